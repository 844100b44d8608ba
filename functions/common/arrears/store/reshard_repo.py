"""Data access for re-sharding the `collectible` index: the portfolio's shard layout, the re-shard
job's checkpoint, and the moves of accounts between shards.

The layout is one item beside the cycle's lock and census (Activity table, pk `portfolio#<name>`,
sk `shards`). It records how many shards the portfolio's accounts hash to (`count`; absent: the
stack's COLLECTIBLE_SHARDS), the count a running re-shard moves them to (`target`), how far the
job got (`cursor`, `pages`), and which cycle last listed the shards (`cycle_execution`).

Why the cycle stamps the layout: a move while a cycle pages the shards could hide an account
from both children (taken out of a shard not yet paged, put into one already paged). So the
cycle's list step stamps the layout, every write of the job is a transaction conditioned on
there being no stamp, and the job lifts a stamp only once that cycle's day lock says it ended.
The layout therefore never changes under a running cycle: its list step and its close step see
the same shards.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from arrears.adapters.aws_clients import on_reset
from arrears.domain.account import shard_key
from arrears.domain.errors import ArrearsError, StoreUnavailable
from arrears.store.cycle_repo import RUNNING, portfolio_pk
from arrears.store.models import AccountModel, ActivityModel, transaction_connection
from arrears.store.store_errors import is_conditional_failure, store_errors

LAYOUT_SK = "shards"
# TransactWriteItems takes at most 100 actions: the checkpoint and up to 99 accounts.
MAX_MOVES_PER_PAGE = 99
_ATTEMPTS = 5
_PLACEMENT = ["account_id", "home_shard", "shard", "version"]


class ReshardInProgress(ArrearsError):
    """A re-shard to another count has not finished; finish that one first."""


class CycleRunning(ArrearsError):
    """A cycle is paging the shards: nothing may move until it ends (wait, or resume later)."""


class CheckpointMoved(ArrearsError):
    """Another run of the job advanced the checkpoint under this one; only one run may progress."""


class MovesConflicted(ArrearsError):
    """Accounts were written since they were read (a payment, the cycle): read them again, re-plan."""

    def __init__(self, account_ids: list[str]) -> None:
        super().__init__(f"{len(account_ids)} account(s) changed while being moved")
        self.account_ids = account_ids


class ShardLayoutModel(Model):
    """The layout item; it lives in the Activity table (bound to it by `_model()`)."""

    class Meta:
        table_name = "Activity"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute(default="shards")
    occurred_on = UnicodeAttribute(null=True)
    actor = UnicodeAttribute(null=True)
    count = NumberAttribute(null=True)  # every account hashes to this many shards
    widest = NumberAttribute(null=True)  # the most shards any day's records were keyed under
    target = NumberAttribute(null=True)  # a running re-shard moves accounts to this count
    source = NumberAttribute(null=True)  # ... from this one
    cursor = JSONAttribute(null=True)  # where the job's scan of the Accounts table resumes
    pages = NumberAttribute(null=True)  # pages applied: the checkpoint's sequence number
    scanned = NumberAttribute(null=True)
    moved = NumberAttribute(null=True)
    cycle_execution = UnicodeAttribute(null=True)  # the cycle that last listed the shards
    cycle_as_of = UnicodeAttribute(null=True)


def _model() -> type[ShardLayoutModel]:
    """The layout model pointed at wherever `bind_models` pointed the Activity table."""
    source, bound = ActivityModel.Meta, ShardLayoutModel.Meta
    region = getattr(source, "region", None)
    if bound.table_name != source.table_name or getattr(bound, "region", None) != region:
        bound.table_name = source.table_name
        bound.region = region  # type: ignore[attr-defined]
        ShardLayoutModel._connection = None
    return ShardLayoutModel


on_reset(lambda: setattr(ShardLayoutModel, "_connection", None), connection=True)


# ---------------------------------------------------------------- what the cycle reads


def shard_keys(portfolio: str, count: int) -> list[str]:
    return [shard_key(portfolio, i) for i in range(count)]


@dataclass(frozen=True)
class ShardLayout:
    """Where a portfolio's accounts may sit in the `collectible` index.

    Shard keys are the prefix `portfolio#000 .. #count-1`, so the union of two shard sets is the
    larger one: paging `max(...)` shards covers accounts not yet moved and those already moved.
    """

    portfolio: str
    configured: int  # COLLECTIBLE_SHARDS: the count imports hash new accounts with
    count: int | None = None
    target: int | None = None
    widest: int | None = None

    @property
    def hashed_to(self) -> int:
        """The count every account has been moved to (the setting until a re-shard has finished)."""
        return self.count or self.configured

    def paged(self) -> list[str]:
        """The shards a cycle pages: every shard an account may sit on now (old, new, or imported)."""
        return shard_keys(self.portfolio, max(self.hashed_to, self.target or 0, self.configured))

    def recorded(self) -> list[str]:
        """The shards a day's records may be keyed under: a record keeps its account's shard of that day."""
        return shard_keys(
            self.portfolio, max(self.widest or 0, self.hashed_to, self.target or 0, self.configured)
        )


def _get(portfolio: str) -> ShardLayoutModel | None:
    try:
        with store_errors():
            return _model().get(portfolio_pk(portfolio), LAYOUT_SK, consistent_read=True)
    except DoesNotExist:
        return None


def _int(value) -> int | None:
    return int(value) if value is not None else None


def _layout(portfolio: str, configured: int, item: ShardLayoutModel | None) -> ShardLayout:
    if item is None:
        return ShardLayout(portfolio, configured)
    return ShardLayout(portfolio, configured, _int(item.count), _int(item.target), _int(item.widest))


def current_layout(portfolio: str, configured: int) -> ShardLayout:
    return _layout(portfolio, configured, _get(portfolio))


def layout_for_cycle(portfolio: str, configured: int, execution: str, as_of: date) -> ShardLayout:
    """The layout a cycle pages, read in the same write that stamps it with the cycle.

    Read and stamp are one UpdateItem, so no re-shard step can slip between them. Listing again
    (a retried step) stamps the same execution again: harmless.
    """
    model = _model()
    item = model(portfolio_pk(portfolio), LAYOUT_SK)
    try:
        with store_errors():
            item.update(
                actions=[
                    model.kind.set("shards"),
                    model.cycle_execution.set(execution),
                    model.cycle_as_of.set(as_of.isoformat()),
                ]
            )
    except UpdateError as exc:
        if exc.cause_response_code == "TransactionConflictException":  # a job page in flight
            raise StoreUnavailable("the shard layout is being written; retry") from exc
        raise
    return _layout(portfolio, configured, item)


# ---------------------------------------------------------------- the job's checkpoint


@dataclass(frozen=True)
class Checkpoint:
    """Where a re-shard stands; `pages` orders its writes, so two runs can never both advance it."""

    portfolio: str
    source: int
    target: int
    cursor: dict | None
    pages: int
    scanned: int
    moved: int


def _checkpoint(portfolio: str, item: ShardLayoutModel) -> Checkpoint:
    return Checkpoint(
        portfolio,
        int(item.source),
        int(item.target),
        item.cursor,
        int(item.pages or 0),
        int(item.scanned or 0),
        int(item.moved or 0),
    )


def begin(portfolio: str, target: int, configured: int, actor: str, now: datetime) -> Checkpoint:
    """Start a re-shard to `target` shards, or return the checkpoint of the one already running.

    Raises ReshardInProgress for a running re-shard to another count, CycleRunning while a cycle
    pages the shards (starting would change the shards it must close over).
    """
    model, pk = _model(), portfolio_pk(portfolio)
    for _ in range(_ATTEMPTS):
        current = _get(portfolio)
        if current is not None and current.target is not None:
            if int(current.target) != target:
                raise ReshardInProgress(
                    f"{portfolio} is being re-sharded to {int(current.target)} shards; finish that first"
                )
            return _checkpoint(portfolio, current)
        if current is not None and current.cycle_execution is not None:
            lift_stamp_of_ended_cycle(portfolio, now)
            continue
        source = _int(current.count) if current is not None else None
        item = model(pk, LAYOUT_SK)
        try:
            with store_errors():
                item.update(
                    actions=[
                        model.kind.set("shards"),
                        model.target.set(target),
                        model.source.set(source or configured),
                        model.cursor.remove(),
                        model.pages.set(0),
                        model.scanned.set(0),
                        model.moved.set(0),
                        model.actor.set(actor),
                        model.occurred_on.set(now.date().isoformat()),
                    ],
                    condition=model.target.does_not_exist() & model.cycle_execution.does_not_exist(),
                )
            return _checkpoint(portfolio, item)
        except UpdateError as exc:
            if not is_conditional_failure(exc):
                raise
    raise StoreUnavailable(f"could not start the re-shard of {portfolio}: the layout kept changing")


def lift_stamp_of_ended_cycle(portfolio: str, now: datetime) -> None:
    """Remove the stamp of a cycle that has ended; CycleRunning while it still pages the shards.

    The stamp names the execution; its day lock (cycle_repo.take_lock's `cycle#<as_of>` item) says
    whether it still runs. A lock taken over by another execution means the stamping one ended;
    the new one stamps again when it lists the shards.
    """
    model, pk = _model(), portfolio_pk(portfolio)
    for _ in range(_ATTEMPTS):
        current = _get(portfolio)
        if current is None or current.cycle_execution is None:
            return
        execution = current.cycle_execution
        try:
            with store_errors():
                lock = ActivityModel.get(pk, f"cycle#{current.cycle_as_of}", consistent_read=True)
            running = (
                lock.status == RUNNING
                and lock.actor == execution
                and (lock.lease_until or 0) >= int(now.timestamp())
            )
        except DoesNotExist:
            running = False
        if running:
            raise CycleRunning(f"the {current.cycle_as_of} cycle of {portfolio} is paging the shards")
        try:
            with store_errors():
                current.update(
                    actions=[model.cycle_execution.remove(), model.cycle_as_of.remove()],
                    condition=model.cycle_execution == execution,
                )
            return
        except UpdateError as exc:
            if not is_conditional_failure(exc):
                raise  # a later cycle stamped it meanwhile: look at that one
    raise CycleRunning(f"cycles of {portfolio} keep listing the shards")


# ---------------------------------------------------------------- reading and moving accounts


@dataclass(frozen=True)
class Placed:
    """Where one account sits: the index keys the job reads, and the version it writes against."""

    account_id: str
    home_shard: str
    shard: str | None  # None: not in the index (no work ahead)
    version: int | None


@dataclass(frozen=True)
class Move:
    account_id: str
    version: int | None
    to: str
    indexed: bool  # it is in the index: its index key moves too


def _placed(m: AccountModel) -> Placed:
    return Placed(m.account_id, m.home_shard, m.shard, m.version)


def placed_page(portfolio: str, cursor: dict | None, limit: int) -> tuple[list[Placed], dict | None]:
    """Up to `limit` of the portfolio's accounts from a scan of the Accounts table, and where to go on."""
    with store_errors():
        result = AccountModel.scan(
            AccountModel.portfolio == portfolio,
            limit=limit,
            page_size=limit,
            last_evaluated_key=cursor,
            attributes_to_get=_PLACEMENT,
        )
        return [_placed(m) for m in result], result.last_evaluated_key


def placed_now(account_ids: Iterable[str]) -> list[Placed]:
    """A consistent read of where these accounts sit now (after a conflict)."""
    with store_errors():
        found = AccountModel.batch_get(list(account_ids), consistent_read=True, attributes_to_get=_PLACEMENT)
        return [_placed(m) for m in found]


def _stamped_or_moved(portfolio: str, checkpoint: Checkpoint) -> ArrearsError:
    """Why the checkpoint's condition failed: a cycle's stamp, or another run of the job."""
    current = _get(portfolio)
    if current is not None and current.cycle_execution is not None:
        return CycleRunning(f"the {current.cycle_as_of} cycle of {portfolio} listed the shards")
    return CheckpointMoved(
        f"the re-shard of {portfolio} moved on from page {checkpoint.pages} in another run"
    )


def _commit(tx_writes, checkpoint: Checkpoint, meta_at: int, moves: list[Move]) -> None:
    """Run one transaction; name the cause of a refusal.

    The reasons come in the order of the transaction's items (PynamoDB sends puts before
    updates): the checkpoint is at `meta_at`, the moves follow it.
    """
    try:
        with (
            store_errors(),
            TransactWrite(connection=transaction_connection(AccountModel.Meta.region)) as tx,
        ):
            tx_writes(tx)
    except TransactWriteError as exc:
        reasons = [r.code if r else None for r in (exc.cancellation_reasons or [])]
        if "TransactionConflict" in reasons:
            raise StoreUnavailable("a concurrent transaction touched the same item; retry") from exc
        if len(reasons) > meta_at and reasons[meta_at] == "ConditionalCheckFailed":
            raise _stamped_or_moved(checkpoint.portfolio, checkpoint) from exc
        after = reasons[meta_at + 1 :]
        changed = [m.account_id for m, r in zip(moves, after, strict=False) if r == "ConditionalCheckFailed"]
        if changed:
            raise MovesConflicted(changed) from exc
        raise


def _unchanged_since(model: type[ShardLayoutModel], checkpoint: Checkpoint):
    return (
        (model.target == checkpoint.target)
        & (model.pages == checkpoint.pages)
        & model.cycle_execution.does_not_exist()
    )


def advance(checkpoint: Checkpoint, moves: list[Move], next_cursor: dict | None, scanned: int) -> Checkpoint:
    """Move a page's accounts and record the checkpoint after it, all or nothing.

    Each account is written on the version it was read at (a payment or the cycle in between
    makes it fail, and the job re-reads), and its version goes up, so a writer holding a read
    from before the move fails in turn and redoes its work on the moved account.
    """
    if len(moves) > MAX_MOVES_PER_PAGE:
        raise ValueError(f"at most {MAX_MOVES_PER_PAGE} moves per page, not {len(moves)}")
    model = _model()
    meta = model(portfolio_pk(checkpoint.portfolio), LAYOUT_SK)

    def writes(tx: TransactWrite) -> None:
        tx.update(
            meta,
            actions=[
                model.cursor.set(next_cursor) if next_cursor else model.cursor.remove(),
                model.pages.set(checkpoint.pages + 1),
                model.scanned.add(scanned),
                model.moved.add(len(moves)),
            ],
            condition=_unchanged_since(model, checkpoint),
        )
        for move in moves:
            actions = [AccountModel.home_shard.set(move.to)]
            if move.indexed:
                actions.append(AccountModel.shard.set(move.to))
            tx.update(AccountModel(move.account_id, version=move.version), actions=actions)

    _commit(writes, checkpoint, meta_at=0, moves=moves)
    return Checkpoint(
        checkpoint.portfolio,
        checkpoint.source,
        checkpoint.target,
        next_cursor,
        checkpoint.pages + 1,
        checkpoint.scanned + scanned,
        checkpoint.moved + len(moves),
    )


def complete(checkpoint: Checkpoint, actor: str, on: date) -> None:
    """Make the target the portfolio's count, and keep the run on the portfolio's timeline."""
    model = _model()
    current = _get(checkpoint.portfolio)
    recorded_before = _int(current.widest) if current is not None else None
    widest = max(recorded_before or 0, checkpoint.source, checkpoint.target)
    meta = model(portfolio_pk(checkpoint.portfolio), LAYOUT_SK)
    record = ActivityModel(
        portfolio_pk(checkpoint.portfolio),
        f"reshard#{on.isoformat()}#{checkpoint.source}-{checkpoint.target}",
        kind="reshard",
        occurred_on=on.isoformat(),
        actor=actor,
        detail={
            "from": checkpoint.source,
            "to": checkpoint.target,
            "scanned": checkpoint.scanned,
            "moved": checkpoint.moved,
            "pages": checkpoint.pages,
        },
    )

    def writes(tx: TransactWrite) -> None:
        tx.save(record)
        tx.update(
            meta,
            actions=[
                model.count.set(checkpoint.target),
                model.widest.set(widest),
                model.target.remove(),
                model.source.remove(),
                model.cursor.remove(),
                model.pages.remove(),
                model.scanned.remove(),
                model.moved.remove(),
                model.occurred_on.set(on.isoformat()),
            ],
            condition=_unchanged_since(model, checkpoint),
        )

    _commit(writes, checkpoint, meta_at=1, moves=[])
