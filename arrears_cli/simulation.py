"""Many days of the real daily cycle over a synthetic portfolio, with customers paying by webhook.

The simulator plays the outside parties a collections engine lives between: the system of
record that bills statements (and late fees), and the customers who pay or do not, through
Stripe, Adyen or another processor whose signed webhooks reach the stack's HTTP endpoint. The
engine itself runs unmodified: each day is one real execution of the collection_cycle state machine.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import tempfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
from arrears.adapters import reports_repo
from arrears.domain import customer as contact_rules
from arrears.domain.account import Account
from arrears.domain.census import census_of, disagreements
from arrears.domain.clock import add_months
from arrears.domain.compliance import Hold
from arrears.domain.customer import PointKind
from arrears.domain.errors import DuplicateEntry, InvalidInput
from arrears.domain.ledger import Due, EntryKind, balance
from arrears.domain.money import Money
from arrears.domain.stages import CLOSED_STATUSES
from arrears.services import posting
from arrears.store import accounts_repo, customers_repo, cycle_repo, letters_repo, payments_repo

from arrears_cli import compliance_check, executions, feeds, operator_client
from arrears_cli.kpi_report import kpi_report
from arrears_cli.operator_admin import add_operator
from arrears_cli.portfolio_import import import_rows
from arrears_cli.sessions import Session, refreshed, sign_in
from arrears_cli.stackref import StackRef
from arrears_cli.synthetic import ASSUMPTIONS, Customer, generate
from arrears_cli.webhook_sender import PROVIDERS, Kind, Processors, new_payment_id

STATEMENT_LEAD_DAYS = 20
PAY_TIME = time(9)  # customers pay in their own morning, before the cycle's noon run
# Each simulated cycle runs at noon in New York: morning in Los Angeles, night in Manila.
RUN_TIME, RUN_ZONE = time(12), ZoneInfo("America/New_York")
SIM_ACTOR = "simulator"


@dataclass
class World:
    """What the simulated outside parties have planned, by day."""

    customers: dict[str, Customer]
    processors: Processors
    stack: StackRef
    statements: dict[date, list[str]] = field(default_factory=lambda: defaultdict(list))
    payments: dict[date, set[str]] = field(default_factory=lambda: defaultdict(set))
    fee_checks: dict[date, set[tuple[str, date]]] = field(default_factory=lambda: defaultdict(set))
    actions: dict[date, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    releases: dict[date, list] = field(default_factory=lambda: defaultdict(list))
    instalments: dict[date, list[tuple[str, int]]] = field(default_factory=lambda: defaultdict(list))
    reacted: set[str] = field(default_factory=set)
    paid: Counter = field(default_factory=Counter)  # minor units by currency net of refunds: our own tally
    payment_count: int = 0
    by_provider: Counter = field(default_factory=Counter)
    by_channel: Counter = field(default_factory=Counter)  # payments reported by the system of record
    returns: dict[date, list[dict]] = field(default_factory=lambda: defaultdict(list))  # feed reversals
    refunds: dict[date, list[tuple]] = field(default_factory=lambda: defaultdict(list))
    refund_count: int = 0
    assignments: dict[date, list[tuple[str, str, str]]] = field(default_factory=lambda: defaultdict(list))
    misdirected: int = 0
    # the post office and the mail servers: what comes back, on which day (account, point kind, letter)
    mail_back: dict[date, list[tuple[str, PointKind, str]]] = field(default_factory=lambda: defaultdict(list))
    mail: Counter = field(default_factory=Counter)  # returned_mail, bounced, unreachable, opted_out
    # customers who follow an email's opt-out link the day after it arrives: (account, letter's stored html)
    opt_outs: dict[date, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    opted: set[str] = field(default_factory=set)
    collector: Session | None = None  # the simulated collector, signed in to the operators' pool
    fees: Counter = field(default_factory=Counter)
    feed: list[dict] = field(default_factory=list)  # the system of record's rows of the day, not sent yet


def _plan_due(world: World, customer: Customer, due_on: date, today: date) -> None:
    """How this customer reacts to a due, decided when it is billed (deterministic per account and date)."""
    if customer.product_type == "open_end" and due_on >= today:  # fees on older dues were the old system's
        world.fee_checks[due_on + timedelta(days=1)].add((customer.account_id, due_on))
    anchor = max(due_on, today)  # a customer already behind reacts from today, by their behaviour
    seed = _seed_day(customer.account_id, anchor)
    offsets = {
        "steady": -(seed % 11),
        "late": 3 + seed % 23,
        "partial": -(seed % 6),
        "roller": customer.resumes_after,
    }
    offset = offsets.get(customer.behaviour)
    if offset is not None:
        world.payments[max(anchor + timedelta(days=offset), today)].add(customer.account_id)
    reaction = REACTIONS.get(customer.behaviour)
    if reaction is not None and customer.account_id not in world.reacted:
        world.reacted.add(customer.account_id)  # one dealing with the collector per customer
        world.actions[anchor + timedelta(days=reaction[0])].append((customer.account_id, reaction[1]))


# A letter to an address the customer left comes back this many days after it was printed (the
# post office's round trip), an email to a dead mailbox the next day.
RETURN_DAYS = (4, 9)
BOUNCE_DAYS = 1
OUT = {letters_repo.PRINTED, letters_repo.SENDING, letters_repo.SENT}


def _posted(world: World, day: date) -> None:
    """The day's letters as the post office and the mail servers see them: each one printed to an
    address the customer left comes back some days later, each email to a dead mailbox bounces."""
    for account_id, customer in world.customers.items():
        if not (customer.moved_away or customer.dead_mailbox):
            continue
        for letter in accounts_repo.timeline(account_id, kind="letter"):
            if letter.occurred_on != day.isoformat() or letter.status not in OUT:
                continue
            email = letter.detail.get("channel") == "email"
            if email and customer.dead_mailbox:
                world.mail_back[day + timedelta(days=BOUNCE_DAYS)].append(
                    (account_id, PointKind.EMAIL, letter.sk)
                )
            elif not email and customer.moved_away:
                low, high = RETURN_DAYS
                back = day + timedelta(days=low + _seed_day(account_id, day) % (high - low + 1))
                world.mail_back[back].append((account_id, PointKind.POSTAL, letter.sk))


# One customer in this many who get an email with an opt-out link follows it (Reg F §1006.6(e)),
# chosen by the account id alone, so the rest of the book's draws stay as they were.
OPT_OUT_ONE_IN = 10


def _opts_out(account_id: str) -> bool:
    return zlib.crc32(account_id.encode()) % OPT_OUT_ONE_IN == 0


def _emails_read(world: World, day: date) -> None:
    """The day's emails that carry an opt-out link, read by the customers who will follow it tomorrow."""
    for account_id, customer in world.customers.items():
        if account_id in world.opted or customer.dead_mailbox or not _opts_out(account_id):
            continue
        for letter in accounts_repo.timeline(account_id, kind="letter"):
            offered = letter.detail.get("channel") == "email" and letter.detail.get("opt_out_offered")
            if letter.occurred_on == day.isoformat() and letter.status in OUT and offered:
                world.opted.add(account_id)
                world.opt_outs[day + timedelta(days=1)].append((account_id, letter.detail["document_key"]))


def _opt_out_clicks(world: World, day: date) -> None:
    """Customers follow the opt-out link of yesterday's email, through the public endpoint the link
    names (on the local webhooks' API), and press the button its page shows."""
    for account_id, document in world.opt_outs.pop(day, []):
        html = reports_repo.get_text(world.stack.letters_bucket, document, world.stack.region)
        found = re.search(r'href="https?://[^/"]+(/opt-out/[^"]+)"', html)
        if found is None:
            continue
        answer = requests.post(world.processors.url + found.group(1), timeout=30)
        if answer.status_code != 200:
            raise RuntimeError(f"the opt-out link of {account_id}'s email answered {answer.status_code}")
        world.mail["opted_out"] += 1


def _point_of(world: World, account_id: str, letter_sk: str, kind: PointKind) -> str | None:
    """The contact point a letter went to: the one its record names or, for a letter recorded
    before letters named theirs, the point of that kind it would have used (read without opening)."""
    letters = accounts_repo.timeline(account_id, kind="letter")
    named = next((item.detail.get("point_id") for item in letters if item.sk == letter_sk), None)
    customer_id = accounts_repo.get_account(account_id).customer_id
    if named or customer_id is None:
        return named
    customer = customers_repo.get(world.stack.personal_data(), customer_id)
    if kind is PointKind.POSTAL:
        point = contact_rules.mailing_address(customer)
    else:
        point = contact_rules.email_address(customer, required_notice=False)
    return point.point_id if point is not None else None


def _mail_comes_back(world: World, day: date) -> None:
    """A letter returned by the post office or an email bounced: the collector marks the point it
    went to (the operators' `contact` action), which retires it; an account left with no address
    is routed by the operator function (active: skip status, so the next cycle starts a skip-trace)."""
    for account_id, kind, letter_sk in world.mail_back.pop(day, []):
        point_id = _point_of(world, account_id, letter_sk, kind)
        if point_id is None:
            continue  # retired already, when an earlier letter came back
        what = contact_rules.FAILURE_OF[kind].value  # returned_mail, bounced
        try:
            answer = _collector(
                world, "contact", account_id, day, change="mark", point_id=point_id, status=what,
                note=f"{what.replace('_', ' ')}: letter {letter_sk}",
            )  # fmt: skip
        except InvalidInput:
            continue
        world.mail[what] += 1
        routed = answer.get("result", {}).get("routed", {})  # where each of the customer's accounts went
        world.mail["unreachable"] += sum(1 for went in routed.values() if went == "skip")


def import_book(stack: StackRef, records: list[dict], portfolio: str, as_of: date) -> list[Account]:
    """The rows as `arrears accounts import` takes them: every row checked first, then each account
    opened with its customer recorded (sealed under the personal-data key)."""
    rows = list(enumerate(records, start=1))
    return import_rows(rows, portfolio, as_of, stack.shard_count, stack.personal_data())


# behaviour -> (days after the missed due, what the customer does with the collector)
REACTIONS = {
    "promiser": (8, "promise"),
    "arranger": (40, "arrangement"),
    "disputer": (5, "dispute"),
    "bankrupt": (20, "bankruptcy"),
    "ceaser": (12, "cease"),
}
OPERATOR = "simulated-collector"


def _deal(world: World, day: date) -> None:
    """Customers who talk to a collector: what the collector records, through the operator actions."""
    for account_id, action in world.actions.pop(day, []):
        account = accounts_repo.get_account(account_id)
        if account.past_due <= 0 and action in ("promise", "arrangement"):
            continue
        try:
            _act(world, account, action, day)
        except (InvalidInput, DuplicateEntry):
            continue  # the account moved on (paid, closed): nothing to record


def _collector(world: World, action: str, account_id: str, day: date, **params) -> dict:
    """What a collector records goes through the operator function, as from any other client."""
    assert world.collector is not None  # nosec B101 # an invariant, not input validation
    world.collector = refreshed(world.stack, world.collector)
    try:
        return operator_client.call(world.stack, world.collector, action, account_id, day, params)
    except operator_client.OperatorRefused as refused:
        raise InvalidInput(refused.message) from refused


def _act(world: World, account: Account, action: str, day: date) -> None:
    account_id, keeps = account.account_id, _seed_day(account.account_id, day) % 10 < 6

    def major(minor: int) -> str:
        return str(Money(minor, account.currency).to_decimal())

    if action == "promise":
        pay_by = day + timedelta(days=6)
        _collector(
            world, "promise", account_id, day, amount=major(account.past_due), pay_by=pay_by.isoformat()
        )
        if keeps:
            world.payments[pay_by - timedelta(days=1)].add(account_id)
    elif action == "arrangement":
        first = account.past_due // 2
        instalments = [
            Due(day + timedelta(days=10), first),
            Due(day + timedelta(days=40), account.past_due - first),
        ]
        listed = [{"due_on": i.due_on.isoformat(), "amount": major(i.amount)} for i in instalments]
        _collector(world, "arrangement", account_id, day, instalments=listed)
        for instalment in instalments:
            world.instalments[instalment.due_on - timedelta(days=2)].append((account_id, instalment.amount))
    elif action == "dispute":
        _collector(
            world, "place_hold", account_id, day, hold=Hold.DISPUTE.value, reason="customer disputes the debt"
        )
        world.releases[day + timedelta(days=30)].append((account_id, Hold.DISPUTE))
    elif action == "bankruptcy":
        _collector(
            world, "place_hold", account_id, day, hold=Hold.BANKRUPTCY.value, reason="chapter 7 notice"
        )
    elif action == "cease":
        _collector(
            world,
            "place_hold",
            account_id,
            day,
            hold=Hold.CEASE_COMMUNICATION.value,
            reason="written request",
        )


def _follow_up(world: World, day: date) -> None:
    for account_id, hold in world.releases.pop(day, []):
        with contextlib.suppress(InvalidInput, DuplicateEntry):
            _collector(world, "release_hold", account_id, day, hold=hold.value, reason="verification sent")
    for account_id, amount in world.instalments.pop(day, []):
        account = accounts_repo.get_account(account_id)
        amount = min(amount, account.balance)
        if amount > 0:
            _send_payment(world, account, amount, day)


# One payment in this many goes astray (a mistyped reference) and one in REFUNDED is refunded later.
MISDIRECTED, REFUNDED = 97, 41
# One account in this many pays outside any processor, through one of these channels.
OFF_PROCESSOR = 5
OFF_PROCESSOR_CHANNELS = ("branch", "terminal", "transfer", "deposit")


def _send_payment(world: World, account: Account, amount: int, day: date) -> None:
    """The customer pays through their processor, whose signed webhook does the posting; or, for
    one account in OFF_PROCESSOR, at a branch, a terminal, by transfer or deposit, which the system
    of record reports in the day's feed."""
    if sum(map(ord, account.account_id)) % OFF_PROCESSOR == 0:
        _pay_off_processor(world, account, amount, day)
        return
    provider = PROVIDERS[sum(map(ord, account.account_id)) % len(PROVIDERS)]
    payment_id, seed = new_payment_id(provider), _seed_day(account.account_id, day)
    reference = account.account_id
    if seed % MISDIRECTED == 0:
        reference += "-X"  # lands in suspense; an operator assigns it two days later
        world.assignments[day + timedelta(days=2)].append((provider, payment_id, account.account_id))
        world.misdirected += 1
    elif seed % REFUNDED == 0:
        world.refunds[day + timedelta(days=3)].append(
            (provider, payment_id, account.account_id, Money(amount, account.currency))
        )
    world.processors.deliver(
        provider,
        Kind.PAYMENT,
        amount=Money(amount, account.currency),
        payment_id=payment_id,
        account_id=reference,
        occurred_at=datetime.combine(day, PAY_TIME, ZoneInfo(account.time_zone)),
    )
    world.paid[account.currency] += amount
    world.payment_count += 1
    world.by_provider[provider] += 1


def _pay_off_processor(world: World, account: Account, amount: int, day: date) -> None:
    seed = _seed_day(account.account_id, day)
    channel = OFF_PROCESSOR_CHANNELS[seed % len(OFF_PROCESSOR_CHANNELS)]
    money = {"amount": str(Money(amount, account.currency).to_decimal()), "currency": account.currency}
    reference = f"{channel}-{account.account_id}-{day.isoformat()}"
    world.feed.append(
        {
            "record_id": f"payment-{account.account_id}-{day.isoformat()}",
            "type": "payment",
            "account_id": account.account_id,
            "date": day.isoformat(),
            **money,
            "channel": channel,
            "reference": reference,
        }
    )
    if seed % REFUNDED == 0:  # the bank sends it back (a bounced cheque, a failed debit) days later
        world.returns[day + timedelta(days=3)].append(
            {"record_id": f"return-{reference}", "type": "reversal", "account_id": account.account_id,
             **money, "reference": reference, "reason": "returned by the bank"}
        )  # fmt: skip
    world.paid[account.currency] += amount
    world.payment_count += 1
    world.by_channel[channel] += 1


def _returned(world: World, day: date) -> None:
    for row in world.returns.pop(day, []):
        world.feed.append(row | {"date": day.isoformat()})
        world.paid[row["currency"]] -= Money.parse(row["amount"], row["currency"]).minor
        world.refund_count += 1


def _refund(world: World, day: date) -> None:
    for provider, payment_id, account_id, amount in world.refunds.pop(day, []):
        zone = ZoneInfo(accounts_repo.get_account(account_id).time_zone)
        world.processors.deliver(
            provider,
            Kind.REFUND,
            amount=amount,
            refunded_total=amount,
            payment_id=payment_id,
            occurred_at=datetime.combine(day, PAY_TIME, zone),
        )
        world.paid[amount.currency] -= amount.minor
        world.refund_count += 1


def _assign(world: World, stack: StackRef, day: date) -> None:
    """An operator finds whose the misdirected money is and posts it there (announced like any payment)."""
    from arrears.adapters.payments_bus import publish_payment_applied

    for provider, payment_id, account_id in world.assignments.pop(day, []):
        try:
            result = posting.assign_suspense(provider, payment_id, account_id, OPERATOR, on=day)
        except InvalidInput:
            continue  # e.g. the account closed meanwhile: the money stays in suspense, in the report
        publish_payment_applied(stack.payments_bus, result.applied, stack.region)


def _seed_day(account_id: str, day: date) -> int:
    return sum(map(ord, account_id)) * 31 + day.toordinal()


def _owed_by(account: Account, day: date) -> int:
    return min(sum(d.amount for d in account.dues if d.due_on <= day), max(account.balance, 0))


def _bill(world: World, day: date) -> None:
    """The day's statements, as rows of the system of record's feed (sent once the day is written)."""
    due_on = day + timedelta(days=STATEMENT_LEAD_DAYS)
    for account_id in world.statements.pop(day, []):
        customer = world.customers[account_id]
        account = accounts_repo.get_account(account_id)
        world.statements[
            add_months(due_on, 1, customer.due_day) - timedelta(days=STATEMENT_LEAD_DAYS)
        ].append(account_id)
        if account.status in CLOSED_STATUSES or account.balance <= 0:
            continue
        if customer.product_type == "open_end":
            minimum = Money(account.balance, account.currency).scaled(Decimal("0.03")).minor
            amount = max(minimum, Money.parse(25 * customer.scale, account.currency).minor)
        else:
            amount = account.instalment or 0
        amount = min(amount, account.balance - sum(d.amount for d in account.dues))
        if amount <= 0 or any(d.due_on == due_on for d in account.dues):
            continue
        world.feed.append(
            {
                "record_id": f"statement-{account_id}-{due_on.isoformat()}",
                "type": "statement",
                "account_id": account_id,
                "statement_date": day.isoformat(),
                "due_date": due_on.isoformat(),
                "amount": str(Money(amount, account.currency).to_decimal()),
                "currency": account.currency,
            }
        )
        _plan_due(world, customer, due_on, day)


def _charge_fees(world: World, day: date) -> None:
    for account_id, due_on in sorted(world.fee_checks.pop(day, set())):
        account = accounts_repo.get_account(account_id)
        if account.status in CLOSED_STATUSES or not any(d.due_on == due_on for d in account.dues):
            continue
        fee = Money.parse(25 * world.customers[account_id].scale, account.currency)
        world.feed.append(
            {
                "record_id": f"late-fee-{account_id}-{due_on.isoformat()}",
                "type": "fee",
                "account_id": account_id,
                "date": day.isoformat(),
                "amount": str(fee.to_decimal()),
                "currency": fee.currency,
                "reason": "late fee",
            }
        )
        world.fees[account.currency] += fee.minor


def _send_feed(world: World, portfolio: str, day: date) -> dict:
    """The system of record's file of the day, through the daily_feed workflow like any lender's."""
    rows, world.feed = world.feed, []
    if not rows:
        return {"rows": 0}
    with tempfile.TemporaryDirectory() as folder:
        path = feeds.write_file(rows, Path(folder) / f"{portfolio}-{day.isoformat()}.jsonl")
        sent = feeds.send(world.stack, path, portfolio, day)
    report = sent.report or {}
    if sent.status != "SUCCEEDED" or report.get("status") != "applied":
        raise RuntimeError(f"the feed of {day.isoformat()} was not applied: {sent.status} {report}")
    return {"rows": len(rows), "applied": report.get("applied", 0), "by_type": report.get("by_type", {})}


def _pay(world: World, day: date) -> None:
    for account_id in sorted(world.payments.pop(day, set())):
        customer = world.customers[account_id]
        account = accounts_repo.get_account(account_id)
        owed = _owed_by(account, day + timedelta(days=10))
        amount = owed // 2 if customer.behaviour == "partial" else owed
        if amount <= 0:
            continue
        _send_payment(world, account, amount, day)
        if customer.behaviour == "roller":
            customer.behaviour = "late"  # came back: from now on pays, if late


MONEY_MOVES = (EntryKind.PAYMENT, EntryKind.REVERSAL)


def ledger_invariant(accounts: list[Account], world: World) -> bool:
    """Every balance equals opening + entries, and every unit customers paid (net of refunds) is
    either on a ledger or in suspense: none lost, none counted twice."""
    posted: Counter = Counter()
    for account in accounts:
        entries = accounts_repo.ledger_entries(account.account_id)
        opening = Money(account.opening_balance, account.currency)
        if balance(opening, entries).minor != account.balance:
            return False
        posted[account.currency] += sum(-e.amount.minor for e in entries if e.kind in MONEY_MOVES)
    for held in payments_repo.list_suspense():
        posted[held.amount.currency] += held.open_amount.minor
    return +posted == +world.paid


def census_disagreements(portfolio: str, day: date) -> list[str]:
    """How the census the day's close stored differs from the accounts as they stand; empty: it agrees."""
    closed_on, stored = cycle_repo.latest_census(portfolio, before=day + timedelta(days=1))
    if closed_on != day:
        return [f"no census was stored for {day.isoformat()}"]
    return disagreements(stored, census_of(accounts_repo.list_accounts(portfolio)))


def _bureau_summary(stack: StackRef, first: date, last: date) -> dict:
    """What the bureau workflows did: executions by status, pulls by purpose, outcomes on the accounts."""
    from arrears.store import bureau_repo

    runs: dict[str, Counter] = {}
    for workflow in ("skiptrace", "credit-review"):
        rows = executions.list_executions(stack, limit=100_000, workflow=workflow)
        for row in rows:
            if row["status"] == "RUNNING":
                row["status"] = executions.wait(stack, row["execution_arn"], timeout_s=300)["status"]
        runs[workflow] = Counter(r["status"] for r in rows)
    pulls = bureau_repo.pulls_between(first, last)
    purposes = Counter(f"{p.detail['workflow']}:{p.detail['purpose']}" for p in pulls)
    located = sum(1 for p in pulls if p.detail.get("located"))
    changes = Counter()
    notices = Counter()
    for account in accounts_repo.list_accounts():
        for item in accounts_repo.timeline(account.account_id, kind="limit_change"):
            changes[item.detail["action"]] += 1
        for letter in accounts_repo.timeline(account.account_id, kind="letter"):
            if letter.detail.get("code") == "credit_line_change":
                notices[f"{letter.detail['locale'][:2]}:{letter.status}"] += 1
    return {
        "executions": {k: dict(v) for k, v in runs.items()},
        "pulls": len(pulls),
        "pulls_without_purpose": sum(1 for p in pulls if not p.detail.get("purpose")),
        "pulls_by_purpose": dict(sorted(purposes.items())),
        "located": located,
        "limit_changes": dict(sorted(changes.items())),
        "credit_line_notices": dict(sorted(notices.items())),
    }


def simulate(
    stack: StackRef,
    accounts: int,
    days: int,
    seed: int,
    start: date,
    processors: Processors,
    portfolio: str = "main",
    on_day: Callable[[date, dict], None] | None = None,
) -> dict:
    records, people = generate(accounts, seed, start)
    imported = import_book(stack, records, portfolio, start)
    world = World({c.account_id: c for c in people}, processors, stack)
    # a collector of the team: a user of the operators' pool, signed in as any operator would be
    password = f"Sim-{secrets.token_urlsafe(12)}-9a"
    add_operator(stack, OPERATOR, "specialist_5", "Simulated collector", password, None)
    world.collector = sign_in(stack, OPERATOR, password)
    for account in imported:
        customer = world.customers[account.account_id]
        for due in account.dues:
            _plan_due(world, customer, due.due_on, start)
        upcoming = max(d.due_on for d in account.dues) if account.dues else start
        world.statements[
            max(add_months(upcoming, 1, customer.due_day) - timedelta(days=STATEMENT_LEAD_DAYS), start)
        ].append(account.account_id)
    per_day = []
    census_problems: list[str] = []
    try:
        for offset in range(days):
            day = start + timedelta(days=offset)
            # the day's deliveries are received the same simulated day (processors post within hours)
            processors.set_clock(datetime.combine(day + timedelta(days=1), time(0), UTC))
            _bill(world, day)
            _charge_fees(world, day)
            _pay(world, day)
            _returned(world, day)
            fed = _send_feed(world, portfolio, day)  # the morning's statements, fees and branch payments
            _refund(world, day)
            _assign(world, stack, day)
            _deal(world, day)
            _mail_comes_back(world, day)
            _opt_out_clicks(world, day)
            _follow_up(world, day)
            described = executions.run_cycle(stack, portfolio, day, datetime.combine(day, RUN_TIME, RUN_ZONE))
            _posted(world, day)
            _emails_read(world, day)
            output = json.loads(described.get("output") or "{}")
            per_day.append({"as_of": day.isoformat(), "status": described["status"], **output, "feed": fed})
            census_problems.extend(f"{day.isoformat()}: {p}" for p in census_disagreements(portfolio, day))
            if on_day:
                on_day(day, per_day[-1])
    finally:  # the stack goes on serving real deliveries after the simulation
        processors.set_clock(None)
    final_accounts = accounts_repo.list_accounts(portfolio)
    parents, children = executions.counts_by_status(stack)
    bureau = _bureau_summary(stack, start, start + timedelta(days=days - 1))
    # the run's KPIs, from the book as it stood on the first day to the last day
    kpis = kpi_report(stack, portfolio, start, start + timedelta(days=days - 1))
    transitions: Counter = Counter()
    letters: Counter = Counter()
    contacts: Counter = Counter()
    for row in per_day:
        transitions.update(row.get("transitions", {}))
        letters.update(row.get("letters_by_language", {}))
        contacts.update(row.get("contacts", {}))
    return {
        "accounts": accounts,
        "days": days,
        "seed": seed,
        "start": start.isoformat(),
        "end": (start + timedelta(days=days - 1)).isoformat(),
        "portfolio": portfolio,
        "executions": parents,
        "child_executions": children,
        "transitions": dict(sorted(transitions.items())),
        "letters": dict(sorted(letters.items())),  # language:code -> sent or printed
        "contacts": dict(sorted(contacts.items())),  # status:code -> count, refusals included
        "payments": {
            "count": world.payment_count,
            "by_currency": dict(sorted(world.paid.items())),  # net of refunds
            "by_provider": dict(sorted(world.by_provider.items())),
            "by_channel": dict(sorted(world.by_channel.items())),  # through the daily feed
            "refunds": world.refund_count,
            "misdirected": world.misdirected,
            "in_suspense": len(payments_repo.list_suspense()),
        },
        "fees": dict(sorted(world.fees.items())),
        # letters that came back and emails that bounced, and the accounts left with no address
        "mail": {k: world.mail[k] for k in ("returned_mail", "bounced", "unreachable", "opted_out")},
        "bureau": bureau,
        "kpis": kpis,
        "ledger_invariant_ok": ledger_invariant(final_accounts, world),
        # at every close of day the census equals the accounts grouped by bucket, count and balance
        "census_invariant_ok": not census_problems,
        "census_disagreements": census_problems[:20],
        # overdue adverse action notices counted to the last simulated day, not the day it is run
        "compliance_violations": compliance_check.report(start + timedelta(days=days - 1)),
        "assumptions": ASSUMPTIONS,
        "per_day": per_day,
    }
