"""The score of `make mutate`: per domain module, what mutmut's run killed, and every mutant that lived.

Run from mutation/ after `mutmut run` (the Makefile does both). A module's score is
killed / (mutants - equivalents); a mutant no unit test runs ("no tests") lived. Equivalent mutants
are listed in equivalent.toml by what they change (module, function, the line before and after), not
by mutmut's number or the line number, which move whenever someone edits the module. Exits 1 when a
module scores below the threshold in pyproject.toml, or when the run left a mutant unchecked.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code

DOMAIN = Path("src/arrears/domain")
# A mutant that made the tests hang or crash the interpreter was noticed: that is a kill.
CAUGHT = {"killed", "timeout", "caught by type check", "segfault"}
UNCHECKED = {"not checked", "check was interrupted by user"}


@dataclass(frozen=True)
class Change:
    """One mutant as a reader sees it: where, and the source text it replaces."""

    module: str
    function: str
    line: int
    before: str
    after: str
    mutant: str


@dataclass(frozen=True)
class Equivalent:
    module: str
    function: str
    before: str
    after: str
    reason: str

    def matches(self, change: Change) -> bool:
        return (self.module, self.function, self.before, self.after) == (
            change.module,
            change.function,
            change.before,
            change.after,
        )


def load_equivalents(path: Path) -> list[Equivalent]:
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("equivalent", [])
    for entry in entries:
        if not entry.get("reason", "").strip():
            raise SystemExit(f"{path}: an equivalent mutant needs its reason: {entry}")
    return [Equivalent(**{key: entry[key] for key in Equivalent.__dataclass_fields__}) for entry in entries]


def function_spans(source: str) -> dict[str, tuple[int, int]]:
    """Each function's qualified name (Class.method for a method) and its first and last line."""
    spans: dict[str, tuple[int, int]] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                spans[prefix + child.name] = (child.lineno, child.end_lineno or child.lineno)
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")

    visit(ast.parse(source), "")
    return spans


def function_of(mutant: str) -> str:
    """`arrears.domain.money.xǁMoneyǁadd__mutmut_3` -> `Money.add`; `...x_parse__mutmut_1` -> `parse`."""
    mangled = mutant.rpartition("__mutmut_")[0].rpartition(".")[2]
    if mangled.startswith("xǁ"):
        _, class_name, name = mangled.split("ǁ")
        return f"{class_name}.{name}"
    return mangled.removeprefix("x_")


def change_of(mutant: str, path: Path, module: str, source_lines: list[str], spans: dict) -> Change:
    diff = get_diff_for_mutant(mutant, path=path).splitlines()
    removed = [line[1:].strip() for line in diff if line.startswith("-") and not line.startswith("---")]
    added = [line[1:].strip() for line in diff if line.startswith("+") and not line.startswith("+++")]
    function = function_of(mutant)
    first, last = spans.get(function, (1, len(source_lines)))
    line = next(
        (
            number
            for number in range(first, last + 1)
            if removed and source_lines[number - 1].strip() == removed[0]
        ),
        first,
    )
    return Change(module, function, line, "\n".join(removed), "\n".join(added), mutant)


@dataclass
class Score:
    module: str
    total: int = 0
    killed: int = 0
    equivalent: int = 0
    unchecked: int = 0

    @property
    def counted(self) -> int:
        return self.total - self.equivalent

    @property
    def percent(self) -> float | None:
        return None if self.counted == 0 else 100 * self.killed / self.counted


def main() -> int:
    config = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))["tool"]["arrears-mutate"]
    threshold = float(config["threshold_percent"])
    equivalents = load_equivalents(Path("equivalent.toml"))
    used: set[Equivalent] = set()
    scores: list[Score] = []
    lived: list[Change] = []

    for path in sorted(DOMAIN.glob("*.py")):
        module = "arrears.domain." + path.stem
        score = Score(module)
        scores.append(score)
        data = SourceFileMutationData(path=path)
        if data.meta_path.exists():
            data.load()
        source = path.read_text(encoding="utf-8")
        spans = function_spans(source)
        for mutant, exit_code in sorted(data.exit_code_by_key.items()):
            score.total += 1
            status = status_by_exit_code[exit_code]
            if status in CAUGHT:
                score.killed += 1
                continue
            if status in UNCHECKED:
                score.unchecked += 1
                continue
            change = change_of(mutant, path, module, source.splitlines(), spans)
            equivalent = next((entry for entry in equivalents if entry.matches(change)), None)
            if equivalent is not None:
                score.equivalent += 1
                used.add(equivalent)
            else:
                lived.append(change)

    failing = print_report(scores, lived, threshold)
    for entry in equivalents:
        if entry not in used:
            print(
                f"note: equivalent.toml lists a change no mutant makes now: {entry.module} {entry.function}"
            )
    return 1 if failing else 0


def print_report(scores: list[Score], lived: list[Change], threshold: float) -> bool:
    print("\nMutants that lived (module:line function mutant, then the change):")
    for change in sorted(lived, key=lambda c: (c.module, c.line, c.mutant)):
        print(f"  {change.module.rpartition('.')[2]}.py:{change.line} {change.function} {change.mutant}")
        for text in change.before.splitlines():
            print(f"      - {text}")
        for text in change.after.splitlines() or [""]:
            print(f"      + {text}")
    print(f"\nMutation score per module (threshold {threshold:g}%):")
    print(f"  {'module':<36} {'mutants':>7} {'killed':>6} {'equiv':>5} {'lived':>5} {'score':>7}")
    failing = False
    for score in scores:
        if score.unchecked:
            verdict = f"FAIL: {score.unchecked} not checked (run incomplete)"
            failing = True
        elif score.percent is None:
            verdict = "no mutants"
        elif score.percent < threshold:
            verdict = "FAIL"
            failing = True
        else:
            verdict = "ok"
        shown = "-" if score.percent is None else f"{score.percent:.1f}%"
        lived_count = score.counted - score.killed - score.unchecked
        print(
            f"  {score.module:<36} {score.total:>7} {score.killed:>6} {score.equivalent:>5}"
            f" {lived_count:>5} {shown:>7}  {verdict}"
        )
    total = sum(s.counted for s in scores)
    killed = sum(s.killed for s in scores)
    if total:
        every = sum(s.total for s in scores)
        print(f"  {'all':<36} {every:>7} {killed:>6} {'':>5} {'':>5} {100 * killed / total:>6.1f}%")
    return failing


if __name__ == "__main__":
    sys.exit(main())
