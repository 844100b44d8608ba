"""The day's census moves, added up as the cycle makes them: what the close of the day rolls the census by.

The census needs only how many accounts, and how much balance, left and joined each group in each
currency; so a page sums its accounts' moves by (from, to, currency), the shard's pages carry the
sum forward through the workflow, and the shard's last page stores it. A shard's tally stays a few
hundred bytes however many accounts it holds, and the day's figures no longer need every stage
record in an index.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from arrears.domain.census import Change
from arrears.domain.errors import InvalidInput

Key = tuple[str | None, str, str]  # from group (None: new), to group, currency


@dataclass(frozen=True)
class Sums:
    accounts: int
    balance_before: int
    balance_after: int

    def __add__(self, other: Sums) -> Sums:
        return Sums(
            self.accounts + other.accounts,
            self.balance_before + other.balance_before,
            self.balance_after + other.balance_after,
        )


@dataclass(frozen=True)
class Tally:
    rows: dict[Key, Sums] = field(default_factory=dict)

    @classmethod
    def of(cls, changes: Iterable[Change]) -> Tally:
        total = cls()
        for c in changes:
            total += cls({(c.from_group, c.to_group, c.currency): Sums(1, c.balance_before, c.balance_after)})
        return total

    def __add__(self, other: Tally) -> Tally:
        rows = dict(self.rows)
        for key, sums in other.rows.items():
            rows[key] = rows[key] + sums if key in rows else sums
        return Tally(rows)

    @property
    def accounts(self) -> int:
        """Accounts that moved in the census (a stage record each)."""
        return sum(s.accounts for s in self.rows.values())

    def changes(self) -> Iterator[Change]:
        """The moves as census changes, for `roll_forward` and `transitions`: one per account, the
        row's balances on its first and zero on the rest, which sum to the same figures."""
        for (from_group, to_group, currency), sums in sorted(self.rows.items(), key=_order):
            yield Change(from_group, to_group, currency, sums.balance_before, sums.balance_after)
            for _ in range(sums.accounts - 1):
                yield Change(from_group, to_group, currency, 0, 0)

    def to_json(self) -> list[list]:
        """Rows `[from, to, currency, accounts, balance before, balance after]`; balances as strings, so
        no JSON reader on the way (Step Functions among them) can round a large sum of minor units."""
        return [
            [f, t, c, s.accounts, str(s.balance_before), str(s.balance_after)]
            for (f, t, c), s in sorted(self.rows.items(), key=_order)
        ]

    @classmethod
    def from_json(cls, rows: Iterable) -> Tally:
        total = cls()
        for row in rows:
            try:
                from_group, to_group, currency, accounts, before, after = row
                key = (None if from_group is None else str(from_group), str(to_group), str(currency))
                sums = Sums(_count(accounts), int(before), int(after))
            except (TypeError, ValueError) as exc:
                raise InvalidInput(f"not a tally row: {row!r}") from exc
            total += cls({key: sums})
        return total


def _count(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("a row counts one account or more")
    return value


def _order(item: tuple[Key, Sums]) -> tuple[str, str, str]:
    (from_group, to_group, currency), _ = item
    return (from_group or "", to_group, currency)
