"""Which arm and ladder an account gets, which strategy works an account, when a step falls due, and
the message an operator reads when a strategy file is refused."""

from pathlib import Path

import pytest
from arrears.domain.account import ProductType
from arrears.domain.stages import Status
from arrears.domain.strategy import (
    StrategyError,
    load_strategy,
    next_step_dpd,
    steps_due,
    strategy_for,
)

GOOD = """
name: test_card
version: 1
product_type: open_end
jurisdictions: [US]
compliance_profile: us_first_party
creditor: {name: C, phone: '1', hours: {en: h, es: h}, address: a, website: w, ecoa_agencies: [occ]}
champion:
  steps:
    - {name: first, at_dpd: 5, channel: email, letter: first_reminder}
    - {name: second, at_dpd: 15, channel: letter, letter: second_reminder}
    - {name: call, at_dpd: 20, channel: call_task}
"""
CHALLENGER = """challenger:
  steps:
    - {name: early_call, at_dpd: 3, channel: call_task}
challenger_share: SHARE
"""


def _load(tmp_path: Path, text: str, name: str = "strategy.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_strategy(path)


def _with_challenger(tmp_path: Path, share: str):
    return _load(tmp_path, GOOD + CHALLENGER.replace("SHARE", share))


def test_a_strategy_with_a_challenger_has_both_arms(tmp_path):
    strategy = _with_challenger(tmp_path, "0.5")
    assert list(strategy.arms()) == ["champion", "challenger"]
    assert [s.name for s in strategy.arms()["challenger"].steps] == ["early_call"]


# The digest of "test_card:<account>" modulo 10 000: ACC-5 1262, ACC-1 2143, ACC-37 4987, ACC-0 5357,
# ACC-7 9490. An account keeps its arm from release to release: a change of the hash would move
# accounts between arms in the middle of an experiment.
@pytest.mark.parametrize(
    "account,arm",
    [
        ("ACC-5", "challenger"),
        ("ACC-1", "challenger"),
        ("ACC-37", "challenger"),
        ("ACC-0", "champion"),
        ("ACC-7", "champion"),
    ],
)
def test_an_account_is_in_the_same_arm_as_in_every_earlier_release(tmp_path, account, arm):
    strategy = _with_challenger(tmp_path, "0.5")
    assert strategy.arm_for(account) == arm
    chosen, ladder = strategy.ladder_for(account)
    assert (chosen, ladder) == (arm, strategy.arms()[arm])


@pytest.mark.parametrize(
    "account,arm", [("ACC-5", "challenger"), ("ACC-1", "champion"), ("ACC-37", "champion")]
)
def test_an_account_whose_digest_is_the_share_exactly_stays_with_the_champion(tmp_path, account, arm):
    """With a share of 21.43% the accounts whose digest is below 2143 go to the challenger: 2143 does not."""
    assert _with_challenger(tmp_path, "0.2143").arm_for(account) == arm


def _strategies(tmp_path: Path):
    card_us = _load(tmp_path, GOOD, "a.yaml")
    loan_us = _load(
        tmp_path,
        GOOD.replace("test_card", "test_loan").replace("open_end", "closed_end"),
        "b.yaml",
    )
    agency_us = _load(
        tmp_path,
        GOOD.replace("test_card", "test_agency").replace("us_first_party", "us_reg_f")
        + "placement: agency\n",
        "c.yaml",
    )
    card_ph = _load(
        tmp_path,
        GOOD.replace("test_card", "test_card_ph")
        .replace("[US]", "[PH]")
        .replace("us_first_party", "ph_bsp")
        .replace(", ecoa_agencies: [occ]", ""),
        "d.yaml",
    )
    return {s.name: s for s in (card_us, loan_us, agency_us, card_ph)}


@pytest.mark.parametrize(
    "product,jurisdiction,placement,expected",
    [
        (ProductType.OPEN_END, "US", None, "test_card"),
        (ProductType.CLOSED_END, "US", None, "test_loan"),
        (ProductType.OPEN_END, "US", "agency", "test_agency"),
        (ProductType.OPEN_END, "PH", None, "test_card_ph"),
        (ProductType.CLOSED_END, "PH", None, None),
        (ProductType.CLOSED_END, "US", "agency", None),
        (ProductType.OPEN_END, "PH", "agency", None),
    ],
)
def test_a_strategy_works_an_account_only_when_product_jurisdiction_and_placement_all_match(
    tmp_path, product, jurisdiction, placement, expected
):
    found = strategy_for(_strategies(tmp_path), product, jurisdiction, placement)
    assert (found.name if found else None) == expected


@pytest.mark.parametrize("dpd,due", [(14, ["first"]), (15, ["first", "second"]), (16, ["first", "second"])])
def test_a_step_falls_due_on_its_day_past_due(tmp_path, dpd, due):
    ladder = _load(tmp_path, GOOD).champion
    assert [s.name for s in steps_due(ladder, frozenset(), dpd, Status.ACTIVE)] == due


@pytest.mark.parametrize("dpd,upcoming", [(14, 15), (15, 20), (16, 20)])
def test_the_next_step_is_the_first_one_after_today(tmp_path, dpd, upcoming):
    ladder = _load(tmp_path, GOOD).champion
    assert next_step_dpd(ladder, frozenset({"first"}), dpd) == upcoming


def _refusal(tmp_path: Path, text: str) -> tuple[Path, str]:
    path = tmp_path / "strategy.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StrategyError) as refused:
        load_strategy(path)
    return path, str(refused.value)


def test_a_file_that_cannot_be_read_is_named(tmp_path):
    path = tmp_path / "missing.yaml"
    with pytest.raises(StrategyError) as refused:
        load_strategy(path)
    assert str(refused.value).startswith(f"{path}: cannot be read: ")
    assert "No such file" in str(refused.value)


def test_a_file_that_is_not_yaml_is_named(tmp_path):
    path, message = _refusal(tmp_path, "name: [unclosed\n")
    assert message.startswith(f"{path}: cannot be read as YAML: ")


def test_a_file_that_is_not_a_mapping_is_named(tmp_path):
    path, message = _refusal(tmp_path, "- a list\n")
    assert message == f"{path}: must be a mapping of strategy fields"


def test_a_rule_of_the_whole_strategy_is_named_as_the_strategys(tmp_path):
    path, message = _refusal(tmp_path, GOOD.replace("us_first_party", "nowhere"))
    assert message == (
        f"{path}: strategy: compliance_profile must be one of mx_condusef, ph_bsp, us_first_party, us_reg_f"
    )


def test_each_problem_is_a_line_of_its_own_naming_where_it_is(tmp_path):
    text = GOOD.replace("channel: call_task", "channel: call_task, statuses: [asleep]").replace(
        "jurisdictions: [US]", "jurisdictions: [US, 5]"
    )
    path, message = _refusal(tmp_path, text)
    lines = message.split("\n")
    assert len(lines) == 2
    assert lines[0].startswith(f"{path}: jurisdictions[1]: ")
    assert lines[1].startswith(f"{path}: champion.steps[2] (call).statuses[0]: ")


def test_a_step_rule_is_named_without_pydantics_prefix(tmp_path):
    path, message = _refusal(
        tmp_path, GOOD.replace("channel: email, letter: first_reminder", "channel: email")
    )
    assert message == f"{path}: champion.steps[0] (first): a email step needs a letter code"


def test_a_key_of_the_wrong_kind_is_located_without_failing(tmp_path):
    path, message = _refusal(tmp_path, GOOD.replace("hours: {en: h, es: h}", "hours: {en: h, es: h, 5: h}"))
    assert message.startswith(f"{path}: creditor.hours[5].[key]: ")


def test_a_named_item_of_a_top_level_list_is_located_by_its_name(tmp_path):
    path, message = _refusal(tmp_path, GOOD.replace("jurisdictions: [US]", "jurisdictions: [{name: x}]"))
    assert message.startswith(f"{path}: jurisdictions[0] (x): ")
