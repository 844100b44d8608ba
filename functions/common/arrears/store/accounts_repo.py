"""Data access for accounts and their timelines: every write is conditional, every effect keyed."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pynamodb.exceptions import (
    AttributeDeserializationError,
    DoesNotExist,
    PutError,
    TransactWriteError,
    UpdateError,
)
from pynamodb.transactions import TransactWrite

from arrears.domain import posting
from arrears.domain.account import Account, ProductType
from arrears.domain.clock import parse_date
from arrears.domain.commitments import GRACE_DAYS, Arrangement, Promise, Settlement
from arrears.domain.compliance import Hold
from arrears.domain.errors import (
    AccountNotFound,
    AccountVersionConflict,
    DuplicateEntry,
    InvalidAccountData,
    InvalidInput,
)
from arrears.domain.itemization import CreditorData
from arrears.domain.ledger import Due, EntryKind, LedgerEntry
from arrears.domain.letters import LetterCode, OwedNotice
from arrears.domain.money import Money
from arrears.domain.rebilling import EarlierReage
from arrears.domain.stages import Bucket, Status
from arrears.store.models import (
    AccountModel,
    ActivityModel,
    DueAttribute,
    cycle_day_key,
    timeline_sk,
    transaction_connection,
)
from arrears.store.store_errors import is_conditional_failure, store_errors

MAX_ATTEMPTS = 5


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _day(value: str | None) -> date | None:
    return parse_date(value) if value else None


# Promises, arrangements and notices are stored as their to_dict() gives them (JSON), so the
# timeline's records of them read the same; only this module reads them back.


def _promise(stored: Mapping[str, Any] | None) -> Promise | None:
    if stored is None:
        return None
    return Promise(
        int(stored["amount"]),
        date.fromisoformat(stored["due_on"]),
        date.fromisoformat(stored["created_on"]),
        int(stored.get("paid", 0)),
        int(stored.get("grace_days", GRACE_DAYS)),
    )


def _arrangement(stored: Mapping[str, Any] | None) -> Arrangement | None:
    if stored is None:
        return None
    settlement = stored.get("settlement")
    return Arrangement(
        tuple(Due(date.fromisoformat(i["due_on"]), int(i["amount"])) for i in stored["instalments"]),
        date.fromisoformat(stored["created_on"]),
        int(stored.get("paid", 0)),
        int(stored.get("grace_days", GRACE_DAYS)),
        Settlement(int(settlement["discount"]), settlement["request_id"]) if settlement else None,
    )


def _notice(stored: Mapping[str, Any]) -> OwedNotice:
    return OwedNotice(LetterCode(stored["code"]), stored["trigger"], tuple(stored["extra"].items()))


def to_account(m: AccountModel) -> Account:
    try:
        return _to_account(m)
    except (ValueError, TypeError, KeyError, InvalidInput) as exc:
        raise InvalidAccountData(f"account {m.account_id} cannot be read: {exc}") from exc


def _to_account(m: AccountModel) -> Account:
    return Account(
        account_id=m.account_id,
        portfolio=m.portfolio,
        product_type=ProductType(m.product_type),
        currency=m.currency,
        opening_balance=int(m.opening_balance),
        balance=int(m.balance),
        dues=tuple(sorted(Due(parse_date(d.due_on), int(d.amount)) for d in m.dues or [])),
        locale=m.locale,
        time_zone=m.time_zone,
        jurisdiction=m.jurisdiction,
        status=Status(m.status),
        bucket=Bucket(m.bucket) if m.bucket else None,
        dpd=int(m.dpd or 0),
        past_due=int(m.past_due or 0),
        oldest_unpaid_on=_day(m.oldest_unpaid_on),
        instalment=int(m.instalment) if m.instalment is not None else None,
        next_action_on=_day(m.next_action_on),
        last_evaluated_on=_day(m.last_evaluated_on),
        census_balance=int(m.census_balance or 0),
        episode_on=_day(m.episode_on),
        fired=tuple(m.fired or ()),
        holds=tuple(Hold(h) for h in m.holds or ()),
        opted_out=tuple(m.opted_out or ()),
        customer_id=m.customer_id,
        reach=tuple(m.reach or ()),
        placement=m.placement,
        state=m.state,
        time_barred_on=_day(m.time_barred_on),
        creditor_data=CreditorData.from_dict(m.creditor_data) if m.creditor_data else None,
        validation_notice_on=_day(m.validation_notice_on),
        promise=_promise(m.promise),
        arrangement=_arrangement(m.arrangement),
        notices=tuple(_notice(n) for n in m.notices or ()),
        home_shard=m.home_shard,
        counted_as=m.counted_as,
        credit_limit=int(m.credit_limit) if m.credit_limit is not None else None,
        charging_frozen=bool(m.charging_frozen),
        traced_on=_day(m.traced_on),
        unlocatable_on=_day(m.unlocatable_on),
        reviewed_on=_day(m.reviewed_on),
        last_conversation_at=datetime.fromisoformat(m.last_conversation_at)
        if m.last_conversation_at
        else None,
        credits={key: int(value) for key, value in (m.credits or {}).items()},
        version=m.version,
    )


def _dues(dues: Iterable[Due]) -> list[DueAttribute]:
    return [DueAttribute(due_on=d.due_on.isoformat(), amount=d.amount) for d in dues]


def create_account(account: Account) -> None:
    """First write of an imported account; it waits in the work index for its first cycle."""
    model = AccountModel(
        account.account_id,
        portfolio=account.portfolio,
        product_type=account.product_type.value,
        currency=account.currency,
        opening_balance=account.opening_balance,
        balance=account.balance,
        dues=_dues(account.dues),
        locale=account.locale,
        time_zone=account.time_zone,
        jurisdiction=account.jurisdiction,
        status=account.status.value,
        instalment=account.instalment,
        credit_limit=account.credit_limit,
        customer_id=account.customer_id,
        reach=list(account.reach),
        placement=account.placement,
        state=account.state,
        time_barred_on=_iso(account.time_barred_on),
        creditor_data=account.creditor_data.to_dict() if account.creditor_data else None,
        holds=list(account.holds),
        opted_out=list(account.opted_out),
        next_action_on=_iso(account.next_action_on),
        home_shard=account.home_shard,
        shard=account.home_shard if account.next_action_on else None,
    )
    try:
        with store_errors():
            model.save(condition=AccountModel.account_id.does_not_exist())
    except PutError as exc:
        if is_conditional_failure(exc):
            raise DuplicateEntry(f"account {account.account_id} already exists") from exc
        raise


def get_account(account_id: str) -> Account:
    try:
        with store_errors():
            return to_account(AccountModel.get(account_id, consistent_read=True))
    except DoesNotExist as exc:
        raise AccountNotFound(f"no account {account_id}") from exc
    except AttributeDeserializationError as exc:
        raise InvalidAccountData(f"account {account_id} cannot be read: {exc}") from exc


def get_accounts(account_ids: list[str]) -> list[Account]:
    """Consistent batch read, returned in the order asked; missing ids are left out."""
    try:
        with store_errors():
            found = {
                m.account_id: to_account(m) for m in AccountModel.batch_get(account_ids, consistent_read=True)
            }
    except AttributeDeserializationError:
        # the batch does not say which item is malformed; read one by one so the error names it
        found = {}
        for account_id in account_ids:
            try:
                found[account_id] = get_account(account_id)
            except AccountNotFound:
                continue
    return [found[i] for i in account_ids if i in found]


def first_evaluated(account_ids: Iterable[str]) -> dict[str, date]:
    """The day the cycle first placed each account in the census, for those it recorded it for."""
    return {a: parse_date(on) for a, on in _one_attribute(account_ids, "first_evaluated_on").items()}


def day_moves(account_ids: Iterable[str]) -> dict[str, dict]:
    """The last census move the cycle kept on each account (cycle_repo.day_move), where there is one."""
    return _one_attribute(account_ids, "day_move")


def _one_attribute(account_ids: Iterable[str], name: str) -> dict:
    """One attribute of each account that has it, read without the rest of the item."""
    ids = list(dict.fromkeys(account_ids))
    with store_errors():
        found = AccountModel.batch_get(ids, attributes_to_get=["account_id", name]) if ids else []
        return {m.account_id: value for m in found if (value := getattr(m, name))}


def collectible_page(
    shard: str, as_of: date, limit: int, cursor: dict | None
) -> tuple[list[str], dict | None]:
    """Ids of one page of accounts in a shard whose next action is due on or before `as_of`."""
    with store_errors():
        result = AccountModel.collectible.query(
            shard,
            AccountModel.next_action_on <= as_of.isoformat(),
            limit=limit,
            page_size=limit,
            last_evaluated_key=cursor,
        )
        ids = [m.account_id for m in result]
        return ids, result.last_evaluated_key


def list_accounts(portfolio: str | None = None) -> list[Account]:
    """Operator listing (a scan: fine for a local or small portfolio, not for a daily job)."""
    with store_errors():
        condition = AccountModel.portfolio == portfolio if portfolio else None
        return [to_account(m) for m in AccountModel.scan(filter_condition=condition)]


def _account_actions(account: Account) -> list:
    actions = [
        AccountModel.balance.set(account.balance),
        AccountModel.dues.set(_dues(account.dues)),
        AccountModel.status.set(account.status.value),
        AccountModel.dpd.set(account.dpd),
        AccountModel.past_due.set(account.past_due),
        AccountModel.census_balance.set(account.census_balance),
        AccountModel.fired.set(list(account.fired)),
        AccountModel.holds.set(list(account.holds)),
        AccountModel.opted_out.set(list(account.opted_out)),
        AccountModel.reach.set(list(account.reach)),
        AccountModel.notices.set([n.to_dict() for n in account.notices]),
        # terms the system of record may change (its daily feed): no write unit more, same item
        AccountModel.locale.set(account.locale),
        AccountModel.time_zone.set(account.time_zone),
    ]
    optional = (
        (AccountModel.instalment, account.instalment),
        (AccountModel.customer_id, account.customer_id),
        (AccountModel.placement, account.placement),
        (AccountModel.state, account.state),
        (AccountModel.time_barred_on, _iso(account.time_barred_on)),
        (AccountModel.creditor_data, account.creditor_data.to_dict() if account.creditor_data else None),
        (AccountModel.bucket, account.bucket.value if account.bucket else None),
        (AccountModel.oldest_unpaid_on, _iso(account.oldest_unpaid_on)),
        (AccountModel.last_evaluated_on, _iso(account.last_evaluated_on)),
        (AccountModel.episode_on, _iso(account.episode_on)),
        (AccountModel.validation_notice_on, _iso(account.validation_notice_on)),
        (AccountModel.promise, account.promise.to_dict() if account.promise else None),
        (AccountModel.arrangement, account.arrangement.to_dict() if account.arrangement else None),
        (AccountModel.counted_as, account.counted_as),
        (AccountModel.credit_limit, account.credit_limit),
        (AccountModel.charging_frozen, account.charging_frozen or None),
        (AccountModel.traced_on, _iso(account.traced_on)),
        (AccountModel.unlocatable_on, _iso(account.unlocatable_on)),
        (AccountModel.reviewed_on, _iso(account.reviewed_on)),
        (AccountModel.last_conversation_at, _iso(account.last_conversation_at)),
        (AccountModel.credits, account.credits or None),
    )
    for attribute, value in optional:
        actions.append(attribute.set(value) if value is not None else attribute.remove())
    if account.next_action_on:
        actions += [
            AccountModel.next_action_on.set(account.next_action_on.isoformat()),
            AccountModel.shard.set(account.home_shard),
        ]
    else:  # leaves the sparse work index
        actions += [AccountModel.next_action_on.remove(), AccountModel.shard.remove()]
    return actions


def _versioned(account: Account) -> AccountModel:
    return AccountModel(account.account_id, version=account.version)


def save_account(
    account: Account, first_evaluated_on: date | None = None, day_move: dict | None = None
) -> None:
    """Conditional on the version that was read; a lost race raises AccountVersionConflict.

    `first_evaluated_on`: the cycle is placing the account in the census for the first time today.
    `day_move`: the cycle's census move today, kept with the account (cycle_repo.day_move).
    """
    actions = _account_actions(account)
    if first_evaluated_on is not None:
        actions.append(AccountModel.first_evaluated_on.set(first_evaluated_on.isoformat()))
    if day_move is not None:
        actions.append(AccountModel.day_move.set(day_move))
    try:
        with store_errors():
            _versioned(account).update(actions=actions)
    except UpdateError as exc:
        if is_conditional_failure(exc):
            raise AccountVersionConflict(account.account_id) from exc
        raise


def put_activity(record: ActivityModel, once: bool) -> bool:
    """Write a timeline item; with `once`, a second write of the same key is refused (returns False)."""
    try:
        with store_errors():
            record.save(condition=ActivityModel.sk.does_not_exist() if once else None)
        return True
    except PutError as exc:
        if once and is_conditional_failure(exc):
            return False
        raise


def record_event(
    account_id: str, on: date, kind: str, key: str, detail: dict, cycle_day: str | None = None
) -> bool:
    """An outcome on the account's timeline (a promise kept, an arrangement broken), written once;
    with `cycle_day` it is also among the day's records the KPIs read."""
    item = ActivityModel(
        account_id,
        timeline_sk(on, kind, key),
        kind=kind,
        occurred_on=on.isoformat(),
        actor="collection_cycle",
        cycle_day=cycle_day,
        detail=detail,
    )
    return put_activity(item, once=True)


@dataclass(frozen=True)
class Write:
    """One conditional write of a transaction. A refused condition is a duplicate, named by
    `name` (the dedupe key it hit), or, where `conflict`, a lost race to redo on fresh copies."""

    name: str
    apply: Callable[[TransactWrite], None]
    conflict: bool = False


def put_once(name: str, item: ActivityModel) -> Write:
    return Write(name, lambda tx: tx.save(item, condition=ActivityModel.sk.does_not_exist()))


# DynamoDB answers a cancelled transaction with one reason per item, in the order PynamoDB sent
# them: condition checks, deletes, puts, then updates, not the order they were added.
_SENT_ORDER = {"condition_check": 0, "delete": 1, "save": 2, "update": 3}


class _Sent:
    """The transaction, noting which write asked for each item, to read the reasons in the order
    they were sent."""

    def __init__(self, tx: TransactWrite) -> None:
        self.tx = tx
        self.by: Write | None = None
        self.items: list[tuple[int, Write | None]] = []

    def __getattr__(self, operation: str):
        self.items.append((_SENT_ORDER[operation], self.by))
        return getattr(self.tx, operation)

    def in_sent_order(self) -> list[Write | None]:
        return [by for _, by in sorted(self.items, key=lambda item: item[0])]


def transact(writes: list[Write], account: Account | None = None) -> None:
    """The writes and the account's update (conditional on the version read), all or nothing.

    A refused write raises DuplicateEntry naming it (or AccountVersionConflict, where the write
    guards against a concurrent change); a lost race on the account raises AccountVersionConflict,
    and the caller redoes its work on the fresh item.
    """
    sent: list[Write | None] = []
    try:
        with (
            store_errors(),
            TransactWrite(connection=transaction_connection(AccountModel.Meta.region)) as tx,
        ):
            recorder = _Sent(tx)
            for write in writes:
                recorder.by = write
                write.apply(recorder)  # type: ignore[arg-type]
            recorder.by = None
            if account is not None:
                recorder.update(_versioned(account), actions=_account_actions(account))
            sent = recorder.in_sent_order()
    except TransactWriteError as exc:
        reasons = [r.code if r else None for r in (exc.cancellation_reasons or [])]
        for write, reason in zip(sent, reasons, strict=False):
            if reason == "ConditionalCheckFailed" and write is not None and not write.conflict:
                raise DuplicateEntry(f"{write.name} already recorded", write=write.name) from exc
        if "ConditionalCheckFailed" in reasons or "TransactionConflict" in reasons:
            raise AccountVersionConflict(account.account_id if account else "transaction") from exc
        raise


def apply_with_record(
    account_id: str, change: Callable[[Account], Account], record: Callable[[Account], ActivityModel]
) -> Account:
    """Change an account and write the timeline item that explains it, atomically and once.

    The record's key is the effect's natural key: a replay finds it there and raises DuplicateEntry,
    a concurrent writer makes the version check fail and the change is redone on the fresh item.
    """
    return apply_with_writes(
        account_id, lambda current: (change(current), [put_once("record", record(current))])
    )


def apply_with_writes(account_id: str, change: Callable[[Account], tuple[Account, list[Write]]]) -> Account:
    """Change an account together with every write that goes with it (a ledger entry, a timeline
    record, an audit record), in one transaction conditioned on the version read.

    `change` sees the fresh account on each attempt, so a rule it checks (one agreement at a time)
    holds against a concurrent writer: the loser redoes its work on the winner's item.
    """
    for _ in range(MAX_ATTEMPTS):
        current = get_account(account_id)
        updated, writes = change(current)
        try:
            transact(writes, updated)
            return updated
        except AccountVersionConflict:
            continue
    raise AccountVersionConflict(account_id)


# The key of credit a system-of-record payment left: it has no receipt, its ledger entry is its record.
LEDGER_CREDIT = "ledger#"


def credit_shifts(shifts: tuple[posting.Shift, ...]) -> list[Write]:
    """Payments whose credit now pays a due: their receipts' allocations move from credit to it.

    Every change to an applied receipt's allocation is written with its account, on the version
    read, so the account's version check also guards these.
    """
    writes = []
    for key in sorted({s.payment for s in shifts if not s.payment.startswith(LEDGER_CREDIT)}):
        try:
            with store_errors():
                donor = ActivityModel.get(key, "receipt", consistent_read=True)
        except DoesNotExist as exc:  # a credit names a receipt written with it: not readable yet
            raise AccountVersionConflict(key) from exc
        paid = tuple(s.due for s in shifts if s.payment == key)
        now = posting.Allocation.from_dict(donor.detail["allocation"]).paying(paid)
        detail = {**donor.detail, "allocation": now.to_dict()}
        writes.append(
            Write(
                f"credit:{key}",
                lambda tx, r=donor, d=detail: tx.update(r, actions=[ActivityModel.detail.set(d)]),
            )
        )
    return writes


def ledger_item(
    account_id: str, entry: LedgerEntry, actor: str, shard: str, posted_on: date | None = None
) -> ActivityModel:
    """The timeline item of a ledger entry, keyed by its dedupe key; among its day's records, where
    the KPIs read the money collected (a payment at a branch counts as one through a processor)."""
    return ActivityModel(
        account_id,
        timeline_sk(entry.occurred_on, "ledger", entry.entry_id),
        kind="ledger",
        cycle_day=cycle_day_key(posted_on or entry.occurred_on, shard),
        occurred_on=entry.occurred_on.isoformat(),
        actor=actor,
        amount=entry.amount.minor,
        currency=entry.amount.currency,
        detail={
            "entry_kind": entry.kind.value,
            "entry_id": entry.entry_id,
            "posted_on": (posted_on or entry.occurred_on).isoformat(),
        },
    )


def statement_item(account_id: str, due: Due, currency: str, actor: str) -> ActivityModel:
    """A statement from the system of record on the account's timeline, once per due date."""
    return ActivityModel(
        account_id,
        timeline_sk(due.due_on, "statement", due.due_on.isoformat()),
        kind="statement",
        occurred_on=due.due_on.isoformat(),
        actor=actor,
        amount=due.amount,
        currency=currency,
        detail={"due_on": due.due_on.isoformat()},
    )


def timeline(account_id: str, kind: str | None = None, consistent: bool = False) -> list[ActivityModel]:
    with store_errors():
        condition = ActivityModel.kind == kind if kind else None
        return list(ActivityModel.query(account_id, filter_condition=condition, consistent_read=consistent))


def ledger_entries(account_id: str, consistent: bool = False) -> list[LedgerEntry]:
    """The account's ledger; `consistent`: as of the last write (a decision on money reads it so)."""
    return [
        LedgerEntry(
            entry_id=item.detail["entry_id"],
            kind=EntryKind(item.detail["entry_kind"]),
            amount=Money(int(item.amount), item.currency),
            occurred_on=parse_date(item.occurred_on),
        )
        for item in timeline(account_id, kind="ledger", consistent=consistent)
    ]


# ------------------------------------------------------------------ re-billing

ADJUSTMENT = "adjustment"  # the timeline kind of an adjustment's decision (a re-age among them)


def adjustment_item(account_id: str, on: date, entry_id: str, actor: str, detail: dict) -> ActivityModel:
    """An adjustment's decision on the account's timeline, keyed by its entry id: what it changed,
    why, and for a re-age what it moved and which limits an error correction set aside."""
    return ActivityModel(
        account_id,
        timeline_sk(on, ADJUSTMENT, entry_id),
        kind=ADJUSTMENT,
        occurred_on=on.isoformat(),
        actor=actor,
        detail={**detail, "entry_id": entry_id},
    )


def adjustment_recorded(account_id: str, on: date, entry_id: str) -> bool:
    """Whether adjustment `entry_id` of day `on` is already on the timeline (a replay)."""
    with store_errors():
        found = ActivityModel.query(
            account_id, ActivityModel.sk == timeline_sk(on, ADJUSTMENT, entry_id), consistent_read=True
        )
        return any(True for _ in found)


def reages(account_id: str) -> list[EarlierReage]:
    """The account's earlier re-ages, as the FFIEC limits read them (written with the account)."""
    return [
        EarlierReage(parse_date(item.occurred_on), bool(item.detail.get("corrects_error")))
        for item in timeline(account_id, kind=ADJUSTMENT, consistent=True)
        if item.detail.get("reage")
    ]


def statements(account_id: str) -> list[Due]:
    """Each statement the system of record sent: its due date and the minimum it billed."""
    return [
        Due(parse_date(item.detail["due_on"]), int(item.amount))
        for item in timeline(account_id, kind="statement", consistent=True)
    ]
