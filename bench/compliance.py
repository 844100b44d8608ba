"""`python -m bench.compliance`: the independent compliance check over a simulated book.

`arrears simulate` runs the book through real daily cycles on the embedded local cloud and ends with
`arrears report compliance`'s check of every letter, email and call the run made. With the guardrail
on the check must find nothing. `--guardrail off` replaces, for this process only, every decision of
the guardrail (arrears.domain.compliance `check` and `check_dial`) with "allowed" and lets a catch-up
skip the validation notice, so whatever the simulated world does that the rules forbid is sent: the
check must then find each kind of breach the world seeds (`SEEDED`). Nothing under functions/ knows
of this switch: it is the test harness reaching into its own process, as the workflow tests do.

Writes the summary (rules found, counts, the run's invariants) as JSON to `--out` and stdout; exits
non-zero when the guardrail is on and anything is found, or off and a seeded breach is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import typer

from bench.run import ROOT

# The breaches a simulated world makes when nothing stops them: emails early in a western time
# zone, contact under holds, email after an opt-out, a collector's demand before its validation
# notice or inside its validation period, a suit threat on a time-barred debt.
SEEDED = (
    "contact_hours",
    "hold",
    "opt_out",
    "time_barred_threat",
    "validation_notice_first",
    "validation_notice_timely",
    "validation_overshadowed",
)


@contextlib.contextmanager
def guardrail_off() -> Iterator[None]:
    """Every module's reference to the guardrail's decisions answers "allowed" while inside."""
    from arrears.domain import compliance
    from arrears.services import customers
    from dunning import contacts

    allowed = compliance.Decision.allow()
    replacements = {  # by identity: a module's attribute is replaced where it is one of these
        id(compliance.check): lambda *args, **kwargs: allowed,
        id(compliance.check_dial): lambda *args, **kwargs: allowed,
        id(contacts.notice_first): lambda due, account, strategy: due,
        id(contacts.outside_validation_period): lambda due, account, strategy, day: (due, None),
        # an opt-out also withdraws the address's consent, so the channel chosen is post before
        # the guardrail is asked: left consented, only the guardrail stands between it and email
        id(customers.withdraw_email_consent): lambda *args, **kwargs: None,
    }
    patched: list[tuple[object, str, object]] = []
    for module in list(sys.modules.values()):
        for name, value in list(vars(module).items()) if module is not None else ():
            if id(value) in replacements:
                patched.append((module, name, value))
                setattr(module, name, replacements[id(value)])
    try:
        yield
    finally:
        for module, name, value in patched:
            setattr(module, name, value)


def run(accounts: int, days: int, seed: int, start: str, out: Path, off: bool) -> dict:
    # the functions are imported (as the local cloud serves them) before the guardrail is replaced
    import dunning.app  # noqa: F401
    import operator_api.app  # noqa: F401

    from arrears_cli.commands.simulate import simulate

    # violations, and the exit they would make, are judged below
    with guardrail_off() if off else contextlib.nullcontext(), contextlib.suppress(typer.Exit):
        simulate(
            accounts=accounts, days=days, seed=seed, start=start, out=out, as_json=False,
            log_file=out / "functions.log",
        )  # fmt: skip
    summary = json.loads((out / "summary.json").read_text())
    violations = summary["compliance_violations"]
    found = Counter(v["rule"] for v in violations)
    missing = [rule for rule in SEEDED if off and not found[rule]]
    return {
        "accounts": accounts,
        "days": days,
        "seed": seed,
        "guardrail": "off" if off else "on",
        "violations": len(violations),
        "by_rule": dict(sorted(found.items())),
        "seeded_missing": missing,
        "letters": sum(summary["letters"].values()),
        "executions": summary["executions"],
        "ledger_invariant_ok": summary["ledger_invariant_ok"],
        "census_invariant_ok": summary["census_invariant_ok"],
        "ok": (bool(violations) and not missing) if off else not violations,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--start", default="2026-01-01")
    parser.add_argument("--guardrail", choices=("on", "off"), default="on")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "compliance")
    args = parser.parse_args(argv)
    result = run(args.accounts, args.days, args.seed, args.start, args.out, args.guardrail == "off")
    (args.out / "compliance.json").write_text(json.dumps(result, indent=2) + "\n")
    sys.stdout.write(json.dumps(result, indent=2) + "\n")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
