"""The cost model's arithmetic against the figures in shared/notes/aws-costs.md (no AWS involved)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bench import cost_model as cm
from bench.prices import PRICE_TABLE

PRICES = cm.Prices.from_table(PRICE_TABLE)
MILLION = 1_000_000
# The notes' page design: account update 1 + GSI move 2 + activity put 1 write units per account.
NOTES_WRITE_UNITS = Decimal(4)


def _paged(
    accounts: int = MILLION,
    page_size: int = 100,
    shards: int = 100,
    wru: Decimal = NOTES_WRITE_UNITS,
    pages_per_call: int = 1,
):
    return cm.paged_cycle(
        accounts,
        page_size=page_size,
        shards=shards,
        write_units_per_account=wru,
        read_units_per_account=Decimal(0),
        ms_per_account=Decimal(20),
        memory_mb=1024,
        pages_per_call=pages_per_call,
    )


def _workload(**values) -> cm.Workload:
    zero = {
        name: Decimal(0)
        for name in (
            "transitions",
            "map_child_starts",
            "lambda_requests",
            "lambda_gb_seconds",
            "write_units",
            "read_units",
            "s3_puts",
        )
    }
    return cm.Workload(**{"accounts": MILLION, **zero, **values})


def test_the_price_table_is_dated_and_every_price_names_its_source():
    assert (PRICE_TABLE["as_of"], PRICE_TABLE["region"]) == ("2026-11", "us-east-1")
    for name, item in PRICE_TABLE["items"].items():
        assert "pricing" in item["source"] or "guide" in item["source"], name
    assert PRICES.transition == Decimal("0.000025")
    assert PRICES.write_unit == Decimal("0.000000625")


def test_a_million_transitions_cost_25_dollars():
    assert cm.cost(_workload(transitions=Decimal(MILLION)), PRICES)["step_functions"] == Decimal("25")


def test_a_million_kms_requests_cost_3_dollars_and_a_cycle_carries_them_per_account():
    lines = cm.cost(_workload(kms_requests=Decimal(MILLION)), PRICES)
    with_letters = cm.paged_cycle(
        MILLION, page_size=100, shards=16, write_units_per_account=Decimal(0),
        read_units_per_account=Decimal(0), ms_per_account=Decimal(20), memory_mb=1024,
        kms_requests_per_account=Decimal("1.5"),
    )  # fmt: skip

    assert lines["kms"] == Decimal("3") and lines["total"] == Decimal("3")
    assert PRICES.kms_request == Decimal("0.000003")
    assert cm.cost(with_letters, PRICES)["kms"] == Decimal("4.5")
    assert cm.cost(_paged(), PRICES)["kms"] == 0  # a cycle that opens no customer


def test_each_line_is_priced_at_its_own_rate_and_the_total_is_their_sum():
    lines = cm.cost(
        _workload(
            lambda_requests=Decimal(MILLION),
            lambda_gb_seconds=Decimal(MILLION),
            write_units=Decimal(MILLION),
            read_units=Decimal(MILLION),
            s3_puts=Decimal(1000),
        ),
        PRICES,
    )
    assert lines["lambda_requests"] == Decimal("0.20")
    assert lines["lambda_compute"] == Decimal("13.3334")
    assert (lines["dynamodb_writes"], lines["dynamodb_reads"]) == (Decimal("0.625"), Decimal("0.125"))
    assert lines["s3_puts"] == Decimal("0.005")
    assert lines["total"] == Decimal("14.2884")


def test_the_page_design_matches_the_notes_arithmetic():
    lines = cm.cost(_paged(), PRICES)

    assert lines["dynamodb_writes"] == Decimal("2.5")
    assert Decimal("0.50") < lines["step_functions"] < Decimal("0.52")
    assert Decimal("0.26") < lines["lambda_compute"] + lines["lambda_requests"] < Decimal("0.28")
    assert Decimal("3.25") < lines["total"] < Decimal("3.35")


def test_doubling_the_page_size_roughly_halves_the_step_functions_part():
    hundred = cm.cost(_paged(page_size=100), PRICES)["step_functions"]
    two_hundred = cm.cost(_paged(page_size=200), PRICES)["step_functions"]

    assert Decimal("1.9") < hundred / two_hundred < Decimal("2.01")


def test_a_page_is_two_transitions_and_a_shard_two_more():
    # 10 shards of 250 accounts in pages of 100: 3 pages each (100, 100, 50).
    assert cm.pages_for(2500, 10, 100) == 30
    assert cm.step_functions_transitions(cm.PARENT_STATES, 10, 30) == 5 + 10 + 60
    workload = _paged(accounts=2500, shards=10)
    assert (workload.transitions, workload.map_child_starts) == (Decimal(75), Decimal(10))
    assert workload.lambda_requests == Decimal(30 + cm.PER_CYCLE_LAMBDA_CALLS)


def test_several_pages_to_a_lambda_call_cut_the_loops_and_the_requests():
    # 100 shards of 10,000 accounts: 101 pages each (the last one empty), 11 calls of up to 10 pages
    assert cm.page_calls_for(MILLION, 100, 100) == cm.pages_for(MILLION, 100, 100) == 10_100
    assert cm.page_calls_for(MILLION, 100, 100, pages_per_call=10) == 1_100
    one, ten = _paged(), _paged(pages_per_call=10)

    assert ten.lambda_requests == Decimal(1_100 + cm.PER_CYCLE_LAMBDA_CALLS)
    assert ten.transitions == Decimal(cm.PARENT_STATES + 100 + 1_100 * cm.PAGE_STATES)
    assert Decimal("0.05") < cm.cost(ten, PRICES)["step_functions"] < Decimal("0.07")
    assert (ten.write_units, ten.lambda_gb_seconds) == (one.write_units, one.lambda_gb_seconds)


def test_a_full_page_is_followed_by_an_empty_one():
    assert cm.pages_for(100, 1, 100) == 2
    assert cm.pages_for(99, 1, 100) == 1
    assert cm.pages_for(0, 4, 100) == 4  # every child reads its shard at least once
    assert cm.pages_for(1001, 10, 100) == 10 * 2  # one shard of 101, nine of 100


def test_transactions_double_the_write_cost():
    plain = _paged()
    in_transactions = cm.transactional(plain)

    assert cm.write_units(700, transactional=True) == 2 * cm.write_units(700) == 2
    assert (
        cm.cost(in_transactions, PRICES)["dynamodb_writes"] == 2 * cm.cost(plain, PRICES)["dynamodb_writes"]
    )
    assert cm.cost(in_transactions, PRICES)["step_functions"] == cm.cost(plain, PRICES)["step_functions"]


def test_cost_per_portfolio_is_cost_per_touched_account_times_the_touch_rate():
    per_touched = cm.per_million_touched(_paged(), PRICES)
    per_portfolio = cm.per_million_portfolio(per_touched, Decimal("0.05"))

    assert per_portfolio["total"] == per_touched["total"] * Decimal("0.05")
    assert per_portfolio["dynamodb_writes"] == Decimal("0.125")
    with pytest.raises(ValueError):
        cm.per_million_portfolio(per_touched, Decimal("1.5"))


def test_per_million_scales_a_small_run_linearly():
    small = cm.Workload(
        1000, Decimal(50), Decimal(16), Decimal(19), Decimal(20), Decimal(5000), Decimal(1000), Decimal(1)
    )
    scaled = cm.per_million_touched(small, PRICES)

    assert scaled["step_functions"] == Decimal(66_000) * PRICES.transition  # (50 + 16) x 1000
    assert scaled["dynamodb_writes"] == Decimal(5_000_000) * PRICES.write_unit


def test_one_execution_per_account_costs_250_dollars_in_transitions_alone():
    design = cm.execution_per_account(
        MILLION,
        write_units_per_account=NOTES_WRITE_UNITS,
        read_units_per_account=Decimal(0),
        ms_per_account=Decimal(20),
        memory_mb=1024,
    )
    lines = cm.cost(design, PRICES)

    assert lines["step_functions"] == Decimal("250")
    assert lines["lambda_requests"] == Decimal("0.6")
    assert Decimal("253") < lines["total"] < Decimal("257")
    assert cm.ratio(lines, cm.cost(_paged(), PRICES)) > 70


def test_item_sizes_follow_the_dynamodb_rules():
    assert cm.item_size({"id": {"S": "abc"}}) == 2 + 3
    assert cm.item_size({"n": {"N": "123400"}}) == 1 + 3  # 4 significant digits: 2 bytes + 1
    assert cm.item_size({"ok": {"BOOL": True}, "x": {"NULL": True}}) == 3 + 2
    nested = {"dues": {"L": [{"M": {"due_on": {"S": "2026-03-01"}}}]}}
    assert cm.item_size(nested) == 4 + (3 + 1 + (3 + 1 + 6 + 10))
    assert cm.item_size(None) == 0


def test_write_and_read_units_round_up_by_size():
    assert (cm.write_units(0), cm.write_units(1024), cm.write_units(1025)) == (1, 1, 2)
    assert cm.read_units(4096, consistent=True) == 1
    assert cm.read_units(4097, consistent=True) == 2
    assert cm.read_units(5000, consistent=False) == Decimal("1")  # 2 blocks, halved
    assert cm.read_units(10, consistent=False) == Decimal("0.5")


COLLECTIBLE = cm.IndexSpec("collectible", ("shard", "next_action_on"), "KEYS_ONLY")
KEYS = ("account_id",)


def _account(next_action_on: str | None, balance: str = "100") -> dict:
    item = {"account_id": {"S": "A-1"}, "balance": {"N": balance}}
    if next_action_on:
        item |= {"shard": {"S": "main#001"}, "next_action_on": {"S": next_action_on}}
    return item


def test_moving_an_account_in_the_work_index_is_a_delete_and_a_put():
    assert cm.index_write_units(_account("2026-03-01"), _account("2026-03-26"), COLLECTIBLE, KEYS) == 2


def test_a_sparse_index_charges_one_write_to_enter_or_leave_and_none_otherwise():
    assert cm.index_write_units(_account("2026-03-01"), _account(None), COLLECTIBLE, KEYS) == 1
    assert cm.index_write_units(None, _account("2026-03-01"), COLLECTIBLE, KEYS) == 1
    assert cm.index_write_units(_account(None), _account(None, balance="5"), COLLECTIBLE, KEYS) == 0
    # keys only: a change outside the projection leaves the index alone
    assert (
        cm.index_write_units(_account("2026-03-01"), _account("2026-03-01", balance="5"), COLLECTIBLE, KEYS)
        == 0
    )


def test_an_all_projection_is_rewritten_when_any_attribute_changes():
    everything = cm.IndexSpec("everything", ("shard", "next_action_on"), "ALL")
    assert (
        cm.index_write_units(_account("2026-03-01"), _account("2026-03-01", balance="5"), everything, KEYS)
        == 1
    )
    assert cm.projected(_account("2026-03-01"), COLLECTIBLE, KEYS) == {
        k: v for k, v in _account("2026-03-01").items() if k != "balance"
    }


def test_cents_are_rounded_half_up():
    assert cm.to_cents({"a": Decimal("0.505"), "b": Decimal("3.294")}) == {"a": 0.51, "b": 3.29}
