"""`arrears report inconsistencies`: accounts whose stored state contradicts itself or the rules.

- balance_vs_ledger: the balance is not the opening balance plus the ledger entries;
- orphaned_ledger: ledger entries under an account id that has no account item;
- ledger_entry_invalid: a ledger entry that breaks the ledger's rules (no readable amount, not
  in whole minor units, not in the account's currency, an unknown kind, a sign its kind forbids);
- account_unreadable: an account item the engine cannot read (and so cannot collect on);
- stage_vs_dpd: the stored bucket is not what the account's dues say on the day it was last
  evaluated;
- dunned_on_hold: a letter went out while a hold forbade it (the independent compliance check);
- check_failed: that compliance check could not run, so its findings are missing.
A scan over the portfolio: an operator's audit, run on demand, not a daily job.

The money checks read the stored items as they are, not through the domain types: a report
that refuses an item it cannot parse, or rounds a number that is not whole minor units, would
hide exactly what it is for. Every account is checked whatever its status. Amounts are shown
in major units with their currency. An orphaned ledger, or an account whose portfolio cannot be
read, is reported under any `portfolio` filter: nothing says which portfolio it belongs to.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Context, Decimal, InvalidOperation, localcontext

from arrears.domain import charge_off
from arrears.domain.account import Account
from arrears.domain.census import census_of, disagreements
from arrears.domain.clock import parse_date
from arrears.domain.errors import InvalidAccountData, InvalidInput
from arrears.domain.ledger import EntryKind, LedgerEntry
from arrears.domain.money import Money, minor_digits
from arrears.domain.stages import evaluate
from arrears.store import cycle_repo, raw_items

from arrears_cli import compliance_check

# DynamoDB numbers run from 1E-130 to 9.99E+125 with 38 significant digits: sums of them are
# exact with this many digits (the default context keeps 28 and would round them).
_EXACT = Context(prec=1000, Emax=10_000, Emin=-10_000, traps=[InvalidOperation])


@dataclass(frozen=True)
class _Entry:
    sk: str
    amount: Decimal | None  # minor units as stored; None when there is no readable number
    currency: str | None
    detail: dict | None  # None when the stored detail is not a JSON object
    occurred_on: str | None


def _string(item: dict, name: str) -> str | None:
    value = item.get(name)
    return value.get("S") if isinstance(value, dict) else None


def _number(item: dict, name: str) -> Decimal | None:
    value = item.get(name)
    if not isinstance(value, dict) or not isinstance(value.get("N"), str):
        return None
    try:
        number = _EXACT.create_decimal(value["N"].strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _detail(item: dict) -> dict | None:
    try:
        detail = json.loads(_string(item, "detail") or "{}")
    except ValueError:
        return None
    return detail if isinstance(detail, dict) else None


def _major(minor: Decimal, currency: str | None) -> str:
    """An amount a person reads: major units and the currency ("-10.00 USD")."""
    if not currency:
        return f"{minor:f} minor units (no currency)"
    with localcontext(_EXACT):  # not through Money: it refuses (or rounds) an amount out of bounds
        if minor == minor.to_integral_value():
            minor = Decimal(int(minor))  # "4.9E+4" as "490.00", the way Money prints
        return f"{minor.scaleb(-minor_digits(currency)):f} {currency}"


def _entries(count: int, what: str = "") -> str:
    return f"{count} {what}entr{'y' if count == 1 else 'ies'}"


def _ledgers() -> dict[str, list[_Entry]]:
    """Every ledger entry in the Activity table, by the account id it is filed under."""
    ledgers: dict[str, list[_Entry]] = defaultdict(list)
    for item in raw_items.ledger_items():
        ledgers[_string(item, "pk") or ""].append(
            _Entry(
                sk=_string(item, "sk") or "",
                amount=_number(item, "amount"),
                currency=_string(item, "currency"),
                detail=_detail(item),
                occurred_on=_string(item, "occurred_on"),
            )
        )
    return ledgers


def _entry_problem(entry: _Entry, currency: str | None) -> str | None:
    if entry.amount is None:
        return "no readable amount"
    if entry.amount != entry.amount.to_integral_value():
        return f"{_major(entry.amount, entry.currency)} is not in whole minor units"
    if entry.currency != currency:
        return f"{_major(entry.amount, entry.currency)} on an account kept in {currency}"
    if entry.detail is None:
        return "its detail cannot be read"
    try:
        LedgerEntry(
            entry_id=entry.detail.get("entry_id") or "",
            kind=EntryKind(entry.detail.get("entry_kind")),
            amount=Money(int(entry.amount), entry.currency or ""),
            occurred_on=parse_date(entry.occurred_on or ""),
        )
    except (InvalidInput, ValueError, TypeError) as exc:
        return str(exc) if isinstance(exc, InvalidInput) else f"{type(exc).__name__} reading it"
    return None


def _money_problems(account_id: str, item: dict, entries: list[_Entry]) -> tuple[list[dict], bool]:
    """What is wrong with the account's ledger and balance, and whether the balance could be checked."""
    found = []
    currency = _string(item, "currency")
    counted = []
    for entry in entries:
        why = _entry_problem(entry, currency)
        if why is not None:
            found.append(
                {"account_id": account_id, "problem": "ledger_entry_invalid", "detail": f"{entry.sk}: {why}"}
            )
        if entry.amount is not None and entry.currency == currency:
            counted.append(entry.amount)  # stored in the ledger, so part of the balance it owes
    balance, opening = _number(item, "balance"), _number(item, "opening_balance")
    if balance is None or opening is None or not currency:
        return found, False
    with localcontext(_EXACT):
        ledger = sum(counted, Decimal(0))
        expected = opening + ledger
        if balance != expected:
            left_out = len(entries) - len(counted)
            found.append(
                {
                    "account_id": account_id,
                    "problem": "balance_vs_ledger",
                    "detail": f"balance {_major(balance, currency)}, opening {_major(opening, currency)}"
                    f" + ledger {_major(ledger, currency)} ({_entries(len(counted))}"
                    + (f", {left_out} not counted" if left_out else "")
                    + f") = {_major(expected, currency)}; off by {_major(balance - expected, currency)}",
                }
            )
    return found, True


def _stage_problem(account_id: str, item: dict) -> dict | None:
    try:
        account = raw_items.account_from_raw(item)
    except InvalidAccountData as exc:
        return {"account_id": account_id, "problem": "account_unreadable", "detail": str(exc)}
    if account.bucket is None or account.last_evaluated_on is None:
        return None
    should = evaluate(account.balance, account.dues, account.status, account.last_evaluated_on)
    if should.bucket is account.bucket:
        return None
    return {
        "account_id": account_id,
        "problem": "stage_vs_dpd",
        "detail": f"stored {account.bucket.value}, the dues say {should.bucket.value} "
        f"({should.dpd} DPD on {account.last_evaluated_on.isoformat()})",
    }


def _orphan(account_id: str, entries: list[_Entry]) -> dict:
    totals: dict[str | None, Decimal] = defaultdict(Decimal)
    unreadable = 0
    with localcontext(_EXACT):
        for entry in entries:
            if entry.amount is None:
                unreadable += 1
            else:
                totals[entry.currency] += entry.amount
    amounts = ", ".join(_major(total, currency) for currency, total in sorted(totals.items(), key=str))
    return {
        "account_id": account_id,
        "problem": "orphaned_ledger",
        "detail": f"{_entries(len(entries), 'ledger ')} ({amounts or 'no readable amount'}"
        + (f"; {unreadable} without a readable amount" if unreadable else "")
        + ") under an account id with no account item",
    }


def _readable(item: dict) -> Account | None:
    try:
        return raw_items.account_from_raw(item)
    except InvalidAccountData:
        return None  # reported as unreadable by the stage check


def _undecided_charge_off(account: Account, today: date) -> dict | None:
    """A recommendation nobody has decided on, near or past the end of the month FFIEC sets."""
    account_id = account.account_id
    found = charge_off.recommendation(account, today)
    if found is None or not found.due_soon:
        return None
    return {
        "account_id": account_id,
        "problem": "charge_off_undecided",
        "detail": f"charge-off recommended and not decided; FFIEC deadline {found.deadline.isoformat()}"
        + (" has passed" if found.days_left < 0 else f" in {found.days_left} days"),
    }


def _census_problems(portfolio: str, accounts: list[Account], today: date) -> list[dict]:
    """The last closed day's census against the accounts where it counted them (a move since then
    by a payment or an operator is counted by the next cycle, from there)."""
    closed_on, stored = cycle_repo.latest_census(portfolio, before=today + timedelta(days=1))
    if closed_on is None:
        return []
    return [
        {
            "account_id": "",
            "problem": "census_vs_accounts",
            "detail": f"portfolio {portfolio}, census of {closed_on.isoformat()}: {problem}",
        }
        for problem in disagreements(stored, census_of(accounts, as_counted=True))
    ]


def inconsistencies(portfolio: str | None = None, today: date | None = None) -> list[dict]:
    today = today or date.today()
    found: list[dict] = []
    ledgers = _ledgers()  # read first: an account deleted meanwhile leaves a true orphan
    accounts: set[str] = set()
    in_portfolio: set[str] = set()
    by_portfolio: dict[str, list[Account]] = defaultdict(list)
    for item in raw_items.account_items():
        account_id = _string(item, "account_id") or ""
        accounts.add(account_id)
        stored_portfolio = _string(item, "portfolio")
        if portfolio and stored_portfolio is not None and stored_portfolio != portfolio:
            continue
        in_portfolio.add(account_id)
        money, checked = _money_problems(account_id, item, ledgers.get(account_id, []))
        found.extend(money)
        stage = _stage_problem(account_id, item)
        if not checked:
            unchecked = "no readable balance, opening balance or currency: balance not checked"
            if stage is not None and stage["problem"] == "account_unreadable":
                stage["detail"] += f"; {unchecked}"
            else:
                found.append({"account_id": account_id, "problem": "account_unreadable", "detail": unchecked})
        if stage is not None:
            found.append(stage)
        account = _readable(item)
        if account is not None:
            if account.portfolio:  # one without is reported unreadable; no census has it
                by_portfolio[account.portfolio].append(account)
            undecided = _undecided_charge_off(account, today)
            if undecided is not None:
                found.append(undecided)
    for name, members in sorted(by_portfolio.items()):
        found.extend(_census_problems(name, members, today))
    for account_id, entries in ledgers.items():
        if account_id not in accounts:
            found.append(_orphan(account_id, entries))
    try:
        violations = compliance_check.report()
    except Exception as exc:  # noqa: BLE001 - one check failing must not hide the others' findings
        violations = []
        found.append(
            {
                "account_id": "",
                "problem": "check_failed",
                "detail": f"the compliance check stopped ({type(exc).__name__}): dunned_on_hold not checked",
            }
        )
    for violation in violations:
        if violation["rule"] != "hold":
            continue
        if portfolio and violation["account_id"] in accounts and violation["account_id"] not in in_portfolio:
            continue
        found.append(
            {
                "account_id": violation["account_id"],
                "problem": "dunned_on_hold",
                "detail": violation["detail"],
            }
        )
    return sorted(found, key=lambda f: (f["account_id"], f["problem"], f["detail"]))
