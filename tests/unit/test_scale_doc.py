"""docs/scale.md states what bench/scale_model.py computes from bench/measured.json, and nothing else.

The tables between the document's markers are regenerated and compared; every number in its prose
must be one the tables state; the claims the prose makes (what does not fit, what must change) are
checked against the model; the shard-count rule is tested at its boundaries.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

import pytest
from arrears.store.reshard_repo import MAX_MOVES_PER_PAGE

from bench import scale_model as sm

MEASURED = sm.load_measured()
STACK = sm.stack_config()
DOC = sm.DOC.read_text()
BUDGET = Decimal(sm.DEADLINE_SECONDS) * sm.MAP_SHARE


def test_every_table_of_the_document_is_what_the_model_computes_now():
    expected = sm.render_blocks(MEASURED, STACK)
    found = sm.blocks_in(DOC)

    assert sorted(found) == sorted(expected)
    for name, body in expected.items():
        assert found[name] == body, (
            f"docs/scale.md's `{name}` table is stale: run bench.scale_model --write-doc"
        )


def _numbers(text: str) -> set[str]:
    return {n.rstrip(".,") for n in re.findall(r"(?<![\w#.-])\d[\d,]*(?:\.\d+)?", text)}


def unstated_numbers(doc: str) -> set[str]:
    """Numbers (above ten) in the prose that no generated block of the document states."""
    prose = sm.BLOCK.sub("", doc)
    prose = re.sub(r"```.*?```", "", prose, flags=re.S)  # commands
    prose = re.sub(r"\]\([^)]*\)", "]", prose)  # link targets
    prose = re.sub(r"`[^`]*`", "", prose)  # code: names, not figures
    stated = _numbers("\n".join(sm.blocks_in(doc).values()))
    return {n for n in _numbers(prose) if n not in stated and float(n.replace(",", "")) > 10}


def test_every_number_in_the_prose_is_one_a_table_states():
    assert not unstated_numbers(DOC), "numbers in docs/scale.md's prose that no table states"


def test_a_figure_typed_into_the_prose_is_caught_and_one_from_a_table_is_not():
    block = "<!-- scale:days -->\n| shards | 512 |\n<!-- /scale:days -->\n"

    assert unstated_numbers(block + "Use 512 shards, or `1024` in code.") == set()
    assert unstated_numbers(block + "Use 1,024 shards and 37.8 minutes.") == {"1,024", "37.8"}


# ---------------------------------------------------------------- what the prose claims


def test_the_worst_day_fits_the_hour_as_deployed_because_the_map_runs_every_shard_at_once():
    days = sm.ordinary_and_worst(sm.BOOK, MEASURED, STACK)

    assert days.worst.map_seconds <= BUDGET
    assert STACK.map_max_concurrency >= days.plan.shards
    assert days.worst_as_deployed.map_seconds == days.worst.map_seconds
    capped = replace(STACK, map_max_concurrency=days.plan.shards // 5)  # a cap below the shards runs waves
    assert sm.ordinary_and_worst(sm.BOOK, MEASURED, capped).worst_as_deployed.map_seconds > BUDGET


def test_the_paging_stays_inside_every_quota_on_both_days():
    days = sm.ordinary_and_worst(sm.BOOK, MEASURED, STACK)
    q = {name: quota.value for name, quota in sm.QUOTAS.items()}

    for day in (days.ordinary, days.worst):
        assert day.history_events <= q["sfn_history_events"]
        assert day.pages_per_child <= sm.max_pages_per_child(STACK.pages_per_call)
        assert day.longest_call_seconds <= STACK.page_call_timeout
        assert day.lambda_concurrency <= q["lambda_concurrency"]
        assert day.parallel <= min(q["lambda_scaling"], q["sfn_map_children"])
        assert day.transitions_per_second <= q["sfn_transitions_per_s"]
        assert day.starts_per_second <= q["sfn_starts_per_s"]
        assert day.shards <= q["sfn_starts_burst"]  # even if the Map's child starts counted
        assert day.collectible_partition_wcu <= q["ddb_partition_wcu"]
        assert day.collectible_partition_rcu <= q["ddb_partition_rcu"]
        assert day.cycle_day_partition_wcu <= q["ddb_partition_wcu"]
        assert max(day.table_wcu.values()) <= q["ddb_table_wcu"]
        assert max(day.table_rcu.values()) <= q["ddb_table_rcu"]


def test_the_first_day_needs_the_tables_pre_warmed():
    worst = sm.ordinary_and_worst(sm.BOOK, MEASURED, STACK).worst

    assert max(worst.table_wcu.values()) > sm.QUOTAS["ddb_new_table_wcu"].value


def test_closing_the_worst_day_holds_a_page_not_the_day_and_ends_within_its_timeout():
    days = sm.ordinary_and_worst(sm.BOOK, MEASURED, STACK)
    bigger = sm.ordinary_and_worst(2 * sm.BOOK, MEASURED, STACK)

    assert days.worst.close_day_bytes > STACK.memory_mb * 2**20  # the day would not fit whole
    assert days.worst.close_day_memory < STACK.memory_mb * 2**20 / 4
    assert bigger.worst.close_day_memory == days.worst.close_day_memory  # does not grow with the day
    assert days.worst.close_day_seconds < STACK.close_call_timeout
    assert days.worst.map_seconds + days.worst.close_day_seconds < 3600


def test_each_days_lambdas_open_the_small_books_one_data_key_once():
    kms = sm.load_kms()

    assert kms.import_requests == 1 and kms.fields_sealed < sm._cache_limits()[0]
    assert kms.requests_per_function_day == 1  # one Decrypt per function a day, not one per letter


def test_a_data_key_is_one_decrypt_per_lambda_while_it_stays_cached():
    assert sm.decrypts(Decimal(5000), 10, keys=1, cache_entries=256) == 10  # one key: once per Lambda
    assert sm.decrypts(Decimal(0), 10, keys=50, cache_entries=256) == 0
    few = sm.decrypts(Decimal(5000), 10, keys=50, cache_entries=256)
    assert 10 * 49 < few <= 10 * 50  # every key met, each once: the cache holds them all
    many = sm.decrypts(Decimal(5000), 10, keys=5000, cache_entries=256)
    assert Decimal(3000) < many < Decimal(5000)  # more keys than the cache: nearly one a letter


def test_the_days_kms_is_the_model_of_its_letters_and_more_keys_cost_more():
    days = sm.ordinary_and_worst(sm.BOOK, MEASURED, STACK)
    price = sm.cm.Prices.from_table(sm.PRICE_TABLE).kms_request
    fields_per_key = sm._cache_limits()[0]
    ordinary = days.ordinary

    expected = sm.kms_requests(ordinary.due, ordinary.shards, sm.BOOK, MEASURED, fields_per_key) * price
    assert abs(ordinary.kms_usd - expected) < Decimal("0.000001")
    assert sm.kms_requests(ordinary.due, ordinary.shards, sm.BOOK, MEASURED, fields_per_key) < (
        sm.kms_requests(ordinary.due, ordinary.shards, sm.BOOK, MEASURED, sm.ALTERNATIVE_FIELDS_PER_KEY) / 10
    )
    assert days.worst.kms_usd < days.worst.cost_usd


# ---------------------------------------------------------------- the shard-count rule at its boundaries


def test_a_small_book_gets_the_fewest_shards():
    assert sm.shards_for(1, MEASURED, STACK) == sm.ShardPlan(1, sm.MIN_SHARDS, sm.MIN_SHARDS, "minimum")


@pytest.mark.parametrize("shards", [16, 64, 256])
def test_the_time_bound_adds_shards_one_account_past_the_largest_book_it_allows(shards):
    largest = sm.largest_book(shards, MEASURED)

    at, past = sm.shards_for(largest, MEASURED, STACK), sm.shards_for(largest + 1, MEASURED, STACK)

    assert at.shards == shards
    assert (past.shards, past.set_by, past.needed) == (2 * shards, "one hour", shards + 1)
    assert (
        (largest + 1) * MEASURED.seconds_per_account / shards
        > BUDGET
        >= largest * (MEASURED.seconds_per_account / shards)
    )


def test_the_history_bound_rules_when_pages_are_fast():
    fast = replace(MEASURED, page_seconds=Decimal("0.001"))
    per_child = (sm.max_pages_per_child(STACK.pages_per_call) - 1) * fast.page_size

    at, past = sm.shards_for(16 * per_child, fast, STACK), sm.shards_for(16 * per_child + 1, fast, STACK)

    assert at.shards == 16
    assert (past.shards, past.set_by) == (32, "history")
    busiest = sm.day("worst", 16 * per_child, 16, fast, STACK, 16)
    assert busiest.history_events <= sm.QUOTAS["sfn_history_events"].value


def test_past_the_ceiling_no_shard_count_fits():
    ceiling = sm.shard_ceiling(STACK)
    top = 1 << (ceiling.bit_length() - 1)  # the largest power of two under the ceiling
    largest = sm.largest_book(top, MEASURED)

    assert sm.shards_for(largest, MEASURED, STACK).shards == top
    with pytest.raises(sm.BookTooLarge):
        sm.shards_for(largest + 1, MEASURED, STACK)


def test_the_ceiling_is_the_tightest_of_its_three_limits():
    by_payload = (sm.QUOTAS["sfn_payload_bytes"].value - 8192) // sm.state_bytes_per_shard()

    assert sm.shard_ceiling(STACK) == min(
        STACK.shards_parameter_max,
        sm.QUOTAS["lambda_concurrency"].value - STACK.reserved_concurrency,
        by_payload,
    )
    assert sm.shard_ceiling(STACK, 64) < sm.shard_ceiling(STACK)  # longer names, a longer list


def test_every_book_the_rule_accepts_finishes_its_worst_day_in_the_maps_share_of_the_hour():
    for book in sm.BOOK_SIZES:
        try:
            days = sm.ordinary_and_worst(book, MEASURED, STACK)
        except sm.BookTooLarge:
            continue
        assert days.worst.map_seconds <= BUDGET, book
        assert days.worst.history_events <= sm.QUOTAS["sfn_history_events"].value, book


# ---------------------------------------------------------------- the re-shard job's arithmetic


@pytest.mark.parametrize("old", range(1, 25))
@pytest.mark.parametrize("new", [1, 4, 16, 24, 32])
def test_the_share_of_accounts_that_stay_is_counted_exactly(old, new):
    period = old * new  # a multiple of the hashes' period lcm(old, new)
    staying = sum(1 for h in range(period) if h % old == h % new)

    assert sm.share_staying(old, new) == Decimal(staying) / period


def test_a_page_of_moves_is_one_transaction_with_its_checkpoint():
    assert sm.MOVES_PER_PAGE == MAX_MOVES_PER_PAGE == sm.QUOTAS["ddb_transaction_items"].value - 1


# ---------------------------------------------------------------- refreshing measured.json


def test_a_bench_report_refreshes_the_per_account_counts():
    bench = {
        "run": {"accounts": 10, "page_size": 100, "shards": 16},
        "cycle": {"evaluated_accounts": 10, "pages": 4},
        "throughput": {"local": {"execution_seconds": 2.0}},
        "api_calls": {"stepfunctions": {"StartExecution": 3}},
        "dynamodb": {
            "write_units": {"s-AccountsTable": 10, "s-AccountsTable/collectible": 20},
            "read_units": {"s-AccountsTable": 10.0},
            "write_units_per_touched_account": 3.0,
            "read_units_per_touched_account": 1.0,
            "dynamodb_calls_per_touched_account": 2.0,
            "item_bytes_written": {"s-AccountsTable": {"max": 600, "mean": 400}},
        },
        "step_functions": {"transitions_per_touched_account": 0.5},
        "lambda": {"invocations_per_touched_account": 0.7},
        "cost": {"per_1m_portfolio_accounts_usd": {"touch_rate": 0.04, "touch_rate_basis": "measured"}},
    }

    refreshed = sm.measured_from_bench(bench)

    assert (refreshed["accounts_per_page"], refreshed["page_seconds"]) == (2.5, 0.5)
    per = refreshed["per_touched_account"]
    assert per["write_units_by_table"] == {"AccountsTable": 1.0, "AccountsTable/collectible": 2.0}
    assert per["workflow_starts"] == 0.2  # the cycle's own start is not a bureau workflow
    assert refreshed["account_item_bytes"] == {"max": 600, "mean": 400}
    assert refreshed["day_record_python_bytes"] > 0
