"""The daily feed applied: a file checked whole against the store, then its rows, each once.

Each row goes where the same change from anywhere else goes: money through the posting service
(a payment as a payment event, so one that also came by webhook posts once; a reversal waits for
its payment as a refund does), a statement as a due, a correction through re-billing, a status as
the hold it implies, an account row's customer columns through the customers service (sealed
before they are stored, as the import's are). A row done is marked with what it said; the same row
again is a duplicate.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from arrears.adapters.personal_data import Keys
from arrears.domain import feed, limitations
from arrears.domain.account import Account
from arrears.domain.customer import Source
from arrears.domain.errors import DuplicateEntry, InvalidInput
from arrears.domain.feed import HOLD_OF, Row, StatusChange
from arrears.domain.itemization import CreditorData
from arrears.domain.ledger import Due, EntryKind, LedgerEntry
from arrears.domain.payments import Action, PaymentEvent
from arrears.domain.row_dates import FIRST_FILE_DAY, LAST_FILE_DAY, MAX_DAYS_BACK, MAX_DUE_AHEAD, is_file_day
from arrears.domain.rows import FieldProblem, RowProblem
from arrears.services import account_actions, customers, posting, rebilling
from arrears.store import accounts_repo, feed_repo, payments_repo
from arrears.store.accounts_repo import apply_with_record
from arrears.store.models import ActivityModel, timeline_entry

FEED_PROVIDER = "feed"  # the payment events the feed makes; their payment keys are the source's
PLACE = re.compile(
    r"^feeds/(?P<portfolio>[A-Za-z0-9_.-]{1,64})/(?P<day>\d{4}-\d{2}-\d{2})/(?P<name>[^/]{1,200})$"
)
# A feed's money is dated, not timed: noon UTC is the same date in every zone of our jurisdictions.
VALUE_TIME = time(12, tzinfo=UTC)


# What an account row changes on an account that exists (product, currency and jurisdiction never do),
# and the creditor's data when the row gives it (intake.CREDITOR_COLUMNS); its customer columns go to
# the customers service, which keeps the customer's contact points.
UPDATABLE = ("locale", "time_zone", "instalment", "credit_limit", "placement", "state")


class Outcome:
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # sent before (this file or an earlier one): nothing changed
    WAITING = "waiting"  # a reversal of a payment not seen yet: held until it comes
    SUSPENSE = "suspense"  # money kept aside for an operator (e.g. the account closed meanwhile)
    REFUSED = "refused"  # a rule refused it (a re-age beyond its limits): not applied, reported


@dataclass(frozen=True)
class Place:
    portfolio: str
    feed_date: date
    name: str


@dataclass
class Checked:
    place: Place | None
    rows: tuple[Row, ...] = ()
    problems: list[RowProblem] = field(default_factory=list)
    repeated: int = 0

    @property
    def whole(self) -> bool:
        return self.place is not None and not self.problems


def place_of(key: str) -> Place | None:
    found = PLACE.match(key)
    if found is None:
        return None
    try:
        day = date.fromisoformat(found["day"])
    except ValueError:
        return None
    if not is_file_day(day):  # the rows' date windows are reckoned from it (row_dates)
        return None
    return Place(found["portfolio"], day, found["name"])


def check(key: str, numbered: list[tuple[int, dict]], shard_count: int) -> Checked:
    """Every problem of the file, by line: its own (feed.read) and those only the store knows."""
    where = place_of(key)
    if where is None:
        problem = RowProblem(
            0,
            "key",
            "must be feeds/<portfolio>/<YYYY-MM-DD>/<file name>, "
            f"a day from {FIRST_FILE_DAY} to {LAST_FILE_DAY}",
        )
        return Checked(None, problems=[problem])
    read = feed.read(numbered)
    checked = Checked(where, read.rows, list(read.problems), read.repeated)
    if checked.problems:
        return checked
    checked.problems.extend(_against_dates(where, read.rows))
    checked.problems.extend(_against_marks(where.portfolio, read.rows))
    checked.problems.extend(_against_accounts(where, read.rows, shard_count))
    checked.problems.extend(_against_payments(read.rows))
    checked.problems.sort(key=lambda p: p.line)
    return checked


def _against_dates(where: Place, rows: tuple[Row, ...]) -> list[RowProblem]:
    """A money, statement or status row dated far from the feed's day is a typo that would age an
    account by decades (an account row's dates are checked by `AccountRecord.check_dates`)."""
    earliest = where.feed_date - timedelta(days=MAX_DAYS_BACK)
    problems = []
    for row in rows:
        record = row.record
        dated = {
            "date": getattr(record, "date", None),
            "statement_date": getattr(record, "statement_date", None),
        }
        for name, day in dated.items():
            if day is not None and not earliest <= day <= where.feed_date:
                problems.append(
                    RowProblem(
                        row.line,
                        name,
                        f"must be within {MAX_DAYS_BACK} days up to the feed's day {where.feed_date}",
                    )
                )
        due = getattr(record, "due_date", None)
        if due is not None and not earliest <= due <= where.feed_date + timedelta(days=MAX_DUE_AHEAD):
            problems.append(
                RowProblem(row.line, "due_date", f"must be within {MAX_DUE_AHEAD} days of the feed's day")
            )
    return problems


def _against_payments(rows: tuple[Row, ...]) -> list[RowProblem]:
    """A reversal takes money back from its own account's payment, never another's."""
    paid_by = {
        r.record.reference: r.account_id
        for r in rows
        if isinstance(r.record, feed.PaymentRow) and r.record.processor is None
    }
    problems = []
    for row in rows:
        if not isinstance(row.record, feed.ReversalRow):
            continue
        owner = paid_by.get(row.record.reference) or _owner_of(row.record.reference)
        if owner is not None and owner != row.account_id:
            problems.append(
                RowProblem(row.line, "reference", f"{row.record.reference} is a payment of another account")
            )
    return problems


def _owner_of(reference: str) -> str | None:
    found = payments_repo.receipt(FEED_PROVIDER, reference)
    return found.account_id if found is not None else None


def _against_marks(portfolio: str, rows: tuple[Row, ...]) -> list[RowProblem]:
    seen = feed_repo.marks(portfolio, [r.record_id for r in rows])
    return [
        RowProblem(row.line, "record_id", f"{row.record_id} was applied before with other content")
        for row in rows
        if row.record_id in seen and seen[row.record_id][0] != row.content_hash()
    ]


def _against_accounts(where: Place, rows: tuple[Row, ...], shard_count: int) -> list[RowProblem]:
    grouped = feed.by_account(rows)
    known = {a.account_id: a for a in accounts_repo.get_accounts(list(grouped))}
    problems: list[RowProblem] = []
    for account_id, own in grouped.items():
        account = known.get(account_id)
        for row in own:
            record = row.record
            if isinstance(record, feed.AccountRow):
                problem, account = _account_row(row, record, account, where, shard_count)
            elif account is None:
                problem = RowProblem(
                    row.line, "account_id", f"{account_id} does not exist and no row before creates it"
                )
            elif account.portfolio != where.portfolio:
                problem = RowProblem(
                    row.line, "account_id", f"{account_id} is not of portfolio {where.portfolio}"
                )
            elif isinstance(record, feed.Amounted) and record.currency != account.currency:
                problem = RowProblem(row.line, "currency", f"{account_id} is kept in {account.currency}")
            else:
                problem = None
            if problem is not None:
                problems.append(problem)
    return sorted(problems, key=lambda p: p.line)


def _account_row(
    row: Row, record: feed.AccountRow, account: Account | None, where: Place, shard_count: int
) -> tuple[RowProblem | None, Account | None]:
    if record.portfolio not in (None, where.portfolio):
        return RowProblem(
            row.line, "portfolio", f"a feed of {where.portfolio} opens its own accounts only"
        ), account
    if account is None:
        try:
            return None, record.to_account(where.portfolio, where.feed_date, shard_count)
        except FieldProblem as exc:
            return RowProblem(row.line, exc.field, exc.reason), None
    try:
        record.to_account(where.portfolio, where.feed_date, shard_count)
    except FieldProblem as exc:
        return RowProblem(row.line, exc.field, exc.reason), account
    for name in ("product_type", "currency", "jurisdiction"):
        if str(getattr(record, name)) != str(getattr(account, name)):
            return RowProblem(
                row.line, name, f"{account.account_id} is {getattr(account, name)}; it never changes"
            ), account
    if account.portfolio != where.portfolio:
        return RowProblem(
            row.line, "account_id", f"{account.account_id} is not of portfolio {where.portfolio}"
        ), account
    if record.customer_id and account.customer_id not in (None, record.customer_id):
        return RowProblem(
            row.line,
            "customer_id",
            f"{account.account_id} is customer {account.customer_id}'s; it never changes",
        ), account
    return None, account


# ------------------------------------------------------------------ applying rows


@dataclass(frozen=True)
class Done:
    row: Row
    outcome: str
    reason: str | None = None

    def to_dict(self) -> dict[str, object]:
        record = self.row.record
        return {
            "line": self.row.line,
            "record_id": self.row.record_id,
            "type": self.row.kind,
            "outcome": self.outcome,
            "reason": self.reason,
            "channel": getattr(record, "channel", None),
            "currency": getattr(record, "currency", None),
            "amount": record.money().minor if isinstance(record, feed.Amounted) else None,
        }


def apply(
    rows: list[Row],
    where: Place,
    key: str,
    shard_count: int,
    publish: Callable[[dict], None],
    received_at: datetime,
    keys: Keys,
) -> list[Done]:
    """The rows in their order, each once: a row marked before is a duplicate and is not touched.
    `keys` seal the customers that account rows describe."""
    seen = feed_repo.marks(where.portfolio, [r.record_id for r in rows])
    done = []
    for row in rows:
        if row.record_id in seen:
            done.append(Done(row, Outcome.DUPLICATE, "sent before"))
            continue
        outcome = _apply_row(row, where, shard_count, publish, received_at, keys)
        feed_repo.mark(
            where.portfolio,
            row.record_id,
            row.content_hash(),
            outcome.outcome,
            where.feed_date,
            key,
            row.line,
        )
        done.append(outcome)
    return done


def _apply_row(
    row: Row,
    where: Place,
    shard_count: int,
    publish: Callable[[dict], None],
    received_at: datetime,
    keys: Keys,
) -> Done:
    record = row.record
    try:
        if isinstance(record, feed.AccountRow):
            return _account(row, record, where, shard_count, keys)
        if isinstance(record, feed.StatementRow):
            due = Due(record.due_date, record.money().minor)
            posting.add_due(record.account_id, due, feed_repo.FEED_ACTOR)
        elif isinstance(record, feed.PaymentRow | feed.ReversalRow):
            return _money(row, record, publish, received_at)
        elif isinstance(record, feed.FeeRow):  # interest is a FeeRow of its own type
            kind = EntryKind.INTEREST if isinstance(record, feed.InterestRow) else EntryKind.FEE
            entry = LedgerEntry(_ledger_id(row), kind, record.money(), record.date)
            posting.post_ledger_entry(record.account_id, entry, feed_repo.FEED_ACTOR)
        elif isinstance(record, feed.AdjustmentRow):
            rebilling.adjust(
                record.account_id,
                record.money(),
                record.reason,
                record.date,
                feed_repo.FEED_ACTOR,
                _ledger_id(row),
                reage=record.reage,
                corrects_error=record.corrects_error,
            )
        elif isinstance(record, feed.StatusRow):
            _status(row, record)
    except DuplicateEntry:
        return Done(row, Outcome.DUPLICATE, "already posted")
    except (InvalidInput, FieldProblem) as exc:  # a rule of the account refused it: reported, not applied
        return Done(row, Outcome.REFUSED, str(exc)[:300])
    return Done(row, Outcome.APPLIED)


def _entry_id(row: Row) -> str:
    """The event id of a money row (payments' ledger keys are their references, not this)."""
    return f"feed:{row.record_id}"


def _ledger_id(row: Row) -> str:
    """A fee's, interest's or adjustment's ledger key: apart from payments' `feed:<reference>`."""
    return f"feed-{row.kind}:{row.record_id}"


def _account(row: Row, record: feed.AccountRow, where: Place, shard_count: int, keys: Keys) -> Done:
    existing = accounts_repo.get_accounts([record.account_id])
    if not existing:
        account = record.to_account(where.portfolio, where.feed_date, shard_count)
        incoming = customers.of_row(record, Source.FEED, where.feed_date)
        customers.open_account(keys, account, incoming, where.feed_date, feed_repo.FEED_ACTOR)
        return Done(row, Outcome.APPLIED, "opened")
    new_terms = record.to_account(where.portfolio, where.feed_date, shard_count)
    # only what the row gives changes; the opening position is the account's own from its first row
    terms = {name: getattr(new_terms, name) for name in UPDATABLE if name in record.model_fields_set}
    if record.creditor_data(where.feed_date) is not None:  # the creditor's data comes whole
        terms["creditor_data"] = new_terms.creditor_data
    incoming = customers.of_row(record, Source.FEED, where.feed_date)
    if incoming is not None and existing[0].customer_id and not record.customer_id:
        incoming = replace(incoming, customer_id=existing[0].customer_id)  # the customer it has
    # a customer the account has is changed by its row; one it joins only as on record (JoinRefused)
    saved, others = (
        customers.record_joining(keys, incoming, where.feed_date) if incoming is not None else (None, ())
    )
    # what the timeline keeps of a contact change: the kinds of point the row gave, never a value
    contact = sorted({p.kind.value for p in incoming.points}) if incoming is not None else []

    def change(account: Account) -> Account:
        changed = replace(account, **terms)
        if saved is not None:
            changed = replace(changed, customer_id=saved.customer_id, reach=customers.reach_of(saved))
        # a new state (the column, or a new address's) is recorded, but never postpones the bar
        return limitations.kept_bar(account, changed, where.feed_date)

    def record_of(_account: Account) -> ActivityModel:
        said = {k: v.to_dict() if isinstance(v, CreditorData) else v for k, v in terms.items()}
        detail = said | ({"contact": contact} if incoming is not None else {})
        return timeline_entry(
            record.account_id, where.feed_date, "terms", row.record_id, feed_repo.FEED_ACTOR, detail
        )

    apply_with_record(record.account_id, change, record_of)
    if saved is not None:
        customers.refresh_reach(saved, but=record.account_id)
        customers.tell_joined(others, record.account_id, where.feed_date, feed_repo.FEED_ACTOR)
    return Done(row, Outcome.APPLIED, "terms updated; the balance and dues move by money rows only")


def _money(
    row: Row,
    record: feed.PaymentRow | feed.ReversalRow,
    publish: Callable[[dict], None],
    received_at: datetime,
) -> Done:
    occurred_at = datetime.combine(record.date, VALUE_TIME)
    if isinstance(record, feed.PaymentRow):
        event = PaymentEvent(
            provider=FEED_PROVIDER,
            event_id=_entry_id(row),
            event_type=f"{record.channel.value}.payment",
            action=Action.PAYMENT,
            occurred_at=occurred_at,
            payment_id=record.processor_payment_id or record.reference,
            amount=record.money(),
            account_ref=record.account_id,
            payment_provider=record.processor.value if record.processor else None,
            channel=record.channel.value,
        )
    else:
        owner = _owner_of(record.reference)
        if owner is not None and owner != record.account_id:
            return Done(row, Outcome.REFUSED, f"{record.reference} is a payment of another account")
        event = PaymentEvent(
            provider=FEED_PROVIDER,
            event_id=_entry_id(row),
            event_type="payment.returned",
            action=Action.RETURNED,
            occurred_at=occurred_at,
            payment_id=record.reference,
            amount=record.money(),
            account_ref=record.account_id,
            reversal_id=row.record_id,
        )
    said = posting.settle(event, publish, received_at)
    outcome = {
        posting.Outcome.APPLIED.value: Outcome.APPLIED,
        posting.Outcome.DUPLICATE.value: Outcome.DUPLICATE,
        posting.Outcome.HELD.value: Outcome.WAITING,
        posting.Outcome.SUSPENSE.value: Outcome.SUSPENSE,
    }.get(str(said["outcome"]), Outcome.REFUSED)
    return Done(row, outcome, said.get("reason"))


def _status(row: Row, record: feed.StatusRow) -> None:
    reason = f"system of record: {record.status.value} ({row.record_id})"
    hold = HOLD_OF.get(record.status)
    if hold is not None:
        account_actions.place_hold(record.account_id, hold, record.date, feed_repo.FEED_ACTOR, reason)
        return
    if record.status is StatusChange.CLOSED:  # no new use of the line; what is owed is still owed
        account_actions.close_line(record.account_id, record.date, feed_repo.FEED_ACTOR, reason)


def summary(done: list[Done]) -> dict[str, object]:
    """What a report says of applied rows: counts by outcome and type, money by channel."""
    by_outcome = Counter(d.outcome for d in done)
    by_type = Counter(d.row.kind for d in done if d.outcome == Outcome.APPLIED)
    by_channel: Counter = Counter()
    for d in done:
        record = d.row.record
        if d.outcome == Outcome.APPLIED and isinstance(record, feed.PaymentRow):
            by_channel[f"{record.channel.value}:{record.currency}"] += record.money().minor
    return {"by_outcome": dict(by_outcome), "by_type": dict(by_type), "by_channel": dict(by_channel)}
