"""`arrears admin reshard --shards N`: move every account of a portfolio to its shard for N shards.

The job scans the Accounts table a page at a time (a one-off job over every account, so a scan is
the right read), moves the accounts whose shard differs, and records its checkpoint in the same
transaction as the page's moves: an interrupted run resumes where it stopped, and a finished one,
run again, moves nothing. It pauses while a cycle pages the shards (see arrears.store.reshard_repo).
It reaches AWS only through the layer, so it runs the same against `arrears local up` and a
deployed stack.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, TypeVar

import typer
from arrears.domain.account import shard_of
from arrears.domain.errors import StoreUnavailable
from arrears.store import reshard_repo
from arrears.store.reshard_repo import (
    MAX_MOVES_PER_PAGE,
    Checkpoint,
    CheckpointMoved,
    CycleRunning,
    Move,
    MovesConflicted,
    Placed,
    ReshardInProgress,
)

from arrears_cli.output import console
from arrears_cli.stackref import StackRef

T = TypeVar("T")
MAX_CONFLICTS = 5  # re-reads of one page's accounts before giving up (each is a fresh write by someone)
MAX_TRANSIENT = 8  # throttling or a transaction conflict: back off and retry


@dataclass(frozen=True)
class Outcome:
    portfolio: str
    source: int
    target: int
    scanned: int
    moved: int
    pages: int
    finished: bool


@dataclass(frozen=True)
class Pace:
    """How the job waits: for a running cycle (or not), and between retries. Injected by tests."""

    wait_for_cycles: bool = True
    poll_seconds: float = 30.0
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    sleep: Callable[[float], None] = time.sleep


def plan_moves(placed: list[Placed], portfolio: str, target: int) -> list[Move]:
    """The accounts of a page that are not on their shard for `target` shards, and where they go."""
    moves = []
    for account in placed:
        home = shard_of(account.account_id, portfolio, target)
        if account.home_shard != home or (account.shard is not None and account.shard != home):
            moves.append(Move(account.account_id, account.version, home, indexed=account.shard is not None))
    return moves


def _patiently(step: Callable[[], T], portfolio: str, pace: Pace) -> T:
    """Run a step of the job, waiting out a running cycle and backing off from throttling."""
    transient = 0
    while True:
        try:
            return step()
        except CycleRunning:
            _wait_for_cycle_to_end(portfolio, pace)
        except StoreUnavailable:
            transient += 1
            if transient > MAX_TRANSIENT:
                raise
            pace.sleep(min(0.1 * 2**transient, 5.0))


def _wait_for_cycle_to_end(portfolio: str, pace: Pace) -> None:
    while True:
        try:
            reshard_repo.lift_stamp_of_ended_cycle(portfolio, pace.clock())
            return
        except CycleRunning:
            if not pace.wait_for_cycles:
                raise
            pace.sleep(pace.poll_seconds)


def _move_page(
    checkpoint: Checkpoint, placed: list[Placed], next_cursor: dict | None, pace: Pace
) -> Checkpoint:
    for _ in range(MAX_CONFLICTS):
        advance = partial(
            reshard_repo.advance,
            checkpoint,
            plan_moves(placed, checkpoint.portfolio, checkpoint.target),
            next_cursor,
            len(placed),
        )
        try:
            return _patiently(advance, checkpoint.portfolio, pace)
        except MovesConflicted as exc:  # written since the scan read them: plan again on what is there now
            fresh = {p.account_id: p for p in reshard_repo.placed_now(exc.account_ids)}
            placed = [fresh.get(p.account_id, p) for p in placed]
    raise StoreUnavailable(f"accounts of {checkpoint.portfolio} kept changing while being moved; run again")


def run(
    portfolio: str,
    shards: int,
    configured: int,
    actor: str,
    *,
    page_size: int = MAX_MOVES_PER_PAGE,
    stop_after_pages: int | None = None,
    pace: Pace | None = None,
    on_page: Callable[[Checkpoint], None] | None = None,
) -> Outcome:
    """Re-shard `portfolio` to `shards` shards, or resume the re-shard to it that is under way."""
    if not 1 <= page_size <= MAX_MOVES_PER_PAGE:
        raise ValueError(f"page size must be 1..{MAX_MOVES_PER_PAGE}")
    pace = pace or Pace()
    checkpoint = _patiently(
        lambda: reshard_repo.begin(portfolio, shards, configured, actor, pace.clock()), portfolio, pace
    )
    done_here = 0
    while True:
        if stop_after_pages is not None and done_here >= stop_after_pages:
            return _outcome(checkpoint, finished=False)
        placed, next_cursor = reshard_repo.placed_page(portfolio, checkpoint.cursor, page_size)
        checkpoint = _move_page(checkpoint, placed, next_cursor, pace)
        done_here += 1
        if on_page:
            on_page(checkpoint)
        if next_cursor is None:
            break
    final = checkpoint
    _patiently(lambda: reshard_repo.complete(final, actor, pace.clock().date()), portfolio, pace)
    return _outcome(checkpoint, finished=True)


def _outcome(checkpoint: Checkpoint, finished: bool) -> Outcome:
    return Outcome(
        checkpoint.portfolio,
        checkpoint.source,
        checkpoint.target,
        checkpoint.scanned,
        checkpoint.moved,
        checkpoint.pages,
        finished,
    )


# ------------------------------------------------------------------ the command


def _actor(stack: StackRef) -> str:
    """Who ran the job, for the portfolio's timeline: the AWS principal whose credentials it used."""
    return stack.client("sts").get_caller_identity()["Arn"]


def command(
    ctx: typer.Context,
    shards: Annotated[int, typer.Option("--shards", min=1, max=1000, help="The new shard count.")],
    portfolio: str = "main",
    page_size: Annotated[
        int, typer.Option("--page-size", min=1, max=MAX_MOVES_PER_PAGE, help="Accounts read per page.")
    ] = MAX_MOVES_PER_PAGE,
    stop_after: Annotated[
        int | None,
        typer.Option("--stop-after", min=1, help="Stop after this many pages; run again to resume."),
    ] = None,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait/--no-wait", help="While a cycle pages the shards: wait, or stop to resume later."
        ),
    ] = True,
) -> None:
    """Move every account of PORTFOLIO to its shard for --shards shards (resumable, safe to re-run)."""
    stack: StackRef = ctx.obj  # arrears_cli.commands.admin makes this a StackCommand: it found the stack
    with console.status(f"re-sharding {portfolio} to {shards} shards") as status:

        def shown(checkpoint: Checkpoint) -> None:
            status.update(
                f"re-sharding {portfolio} {checkpoint.source} -> {checkpoint.target}: "
                f"{checkpoint.scanned} accounts read, {checkpoint.moved} moved"
            )

        try:
            outcome = run(
                portfolio,
                shards,
                stack.shard_count,
                _actor(stack),
                page_size=page_size,
                stop_after_pages=stop_after,
                pace=Pace(wait_for_cycles=wait),
                on_page=shown,
            )
        except CycleRunning as exc:
            console.print(f"[yellow]paused: {exc}; run the same command again to resume[/yellow]")
            raise typer.Exit(3) from exc
        except (ReshardInProgress, CheckpointMoved) as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from exc
    said = f"{outcome.portfolio}: {outcome.scanned} accounts read, {outcome.moved} moved"
    if not outcome.finished:
        console.print(f"{said}; stopped after {outcome.pages} page(s): run again to resume")
        return
    console.print(f"{said}; {outcome.portfolio} now has {outcome.target} shards")
    if outcome.target != stack.shard_count:
        console.print(
            f"[yellow]Deploy with CollectibleShards={outcome.target} so new imports hash to "
            f"{outcome.target} shards; until then the cycle pages {max(outcome.target, stack.shard_count)}."
            "[/yellow]"
        )
