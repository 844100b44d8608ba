"""Which write shard of the `collectible` index an account lives on: fixed by its id, so an import,
a re-shard (arrears_cli/reshard.py) and every later write agree on it without a lookup."""

from __future__ import annotations

import hashlib

from arrears.domain.account import shard_key, shard_of
from hypothesis import given, settings
from hypothesis import strategies as st


def test_an_account_s_shard_is_fixed_by_its_id():
    # the first 32 bits of the id's SHA-256, modulo the shard count: written down, so a change of
    # hash or width (which would strand every stored account on a shard the cycle no longer reads)
    # fails here
    assert shard_of("A-1", "main", 16) == "main#009"
    assert shard_of("A-2", "main", 16) == "main#001"
    assert shard_of("ACC-000123", "main", 16) == "main#007"
    assert shard_of("ACC-000123", "main", 1000) == "main#775"
    assert shard_of("A-1", "cards", 4) == "cards#001"


def test_one_shard_holds_every_account():
    assert {shard_of(account, "main", 1) for account in ("A-1", "A-2", "x")} == {"main#000"}


@settings(max_examples=50, deadline=None)
@given(account_id=st.text(min_size=1, max_size=64), shard_count=st.integers(min_value=1, max_value=999))
def test_the_shard_is_one_of_the_portfolio_s_shards(account_id, shard_count):
    digest = int(hashlib.sha256(account_id.encode()).hexdigest()[:8], 16)
    home = shard_of(account_id, "main", shard_count)
    assert home == shard_key("main", digest % shard_count)
    assert home == shard_of(account_id, "main", shard_count)  # the same every time it is asked
    assert 0 <= int(home.removeprefix("main#")) < shard_count


def test_a_shard_key_is_the_portfolio_and_a_three_digit_index():
    assert shard_key("main", 7) == "main#007"
    assert shard_key("cards", 123) == "cards#123"
