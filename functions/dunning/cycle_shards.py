"""Which shards of the work index a cycle pages and closes over, while re-shards come and go.

The count comes from the portfolio's shard layout (what the last re-shard recorded), with the
stack's COLLECTIBLE_SHARDS as the default; while a re-shard runs, the old and the new shard sets
are paged together. See arrears.store.reshard_repo for why listing stamps the layout.
"""

from __future__ import annotations

from datetime import date

from arrears.store import reshard_repo


def to_page(portfolio: str, as_of: date, execution: str, configured: int) -> list[str]:
    """The shards today's cycle pages; no re-shard moves an account until this cycle has ended."""
    return reshard_repo.layout_for_cycle(portfolio, configured, execution, as_of).paged()


def to_close(portfolio: str, configured: int) -> tuple[list[str], list[str]]:
    """The shards the day was paged over (each must have reported) and those its records may be under."""
    layout = reshard_repo.current_layout(portfolio, configured)
    return layout.paged(), layout.recorded()
