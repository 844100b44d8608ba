"""Strategies as data: the shipped ones load, bad ones are refused naming file, step and field."""

from pathlib import Path

import pytest
from arrears.domain.letters import LetterCode
from arrears.domain.stages import Status
from arrears.domain.strategy import StrategyError, load_strategies, load_strategy, next_step_dpd, steps_due

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


CLABE = "012180009876543215"  # bank 012, plaza 180, account 00987654321, check digit 5
MEXICO = (
    GOOD.replace("jurisdictions: [US]", "jurisdictions: [MX]")
    .replace("us_first_party", "mx_condusef")
    .replace(", ecoa_agencies: [occ]", f", payment_account: {{bank: B, clabe: '{CLABE}'}}")
)
DESPACHO = """despacho:
  name: D
  address: a
  phone: '1'
  email: d@example.mx
  redeco: RDC-1
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "strategy.yaml"
    path.write_text(text)
    return path


def test_the_shipped_strategies_load():
    strategies = load_strategies()
    assert {"credit_card_us", "personal_loan_us", "insurance_premium_mx"} <= set(strategies)
    assert strategies["insurance_premium_mx"].compliance_profile == "mx_condusef"


def test_a_bad_field_is_named_with_file_step_and_field(tmp_path):
    path = _write(
        tmp_path,
        GOOD.replace("channel: letter, letter: second_reminder", "channel: fax, letter: second_reminder"),
    )
    with pytest.raises(StrategyError) as raised:
        load_strategy(path)
    message = str(raised.value)
    assert str(path) in message and "champion.steps[1] (second).channel" in message


def test_an_unknown_letter_code_is_refused(tmp_path):
    with pytest.raises(StrategyError, match=r"steps\[0\] \(first\)\.letter"):
        load_strategy(_write(tmp_path, GOOD.replace("first_reminder", "first_remindr")))


def test_steps_out_of_order_are_refused(tmp_path):
    with pytest.raises(StrategyError, match="in order of at_dpd"):
        load_strategy(_write(tmp_path, GOOD.replace("at_dpd: 15", "at_dpd: 2")))


@pytest.mark.parametrize("at_dpd,refused", [(119, False), (120, False), (121, True)])
def test_charge_off_later_than_ffiec_is_refused(tmp_path, at_dpd, refused):
    text = GOOD.replace("product_type: open_end", "product_type: closed_end") + (
        f"    - {{name: co, at_dpd: {at_dpd}, recommend_charge_off: true}}\n"
    )
    if refused:
        with pytest.raises(StrategyError, match="FFIEC's 120 DPD"):
            load_strategy(_write(tmp_path, text))
    else:
        assert load_strategy(_write(tmp_path, text)).champion.steps[-1].recommend_charge_off


@pytest.mark.parametrize("recommends", [", recommend_charge_off: true", ""])
def test_a_step_may_not_send_the_charge_off_notice(tmp_path, recommends):
    """The notice says the account was charged off: only a confirmed decision may send it, whether
    the step recommends charge-off or not."""
    text = GOOD + f"    - {{name: co, at_dpd: 170, channel: letter, letter: charge_off_notice{recommends}}}\n"
    with pytest.raises(StrategyError, match="sent when an operator confirms"):
        load_strategy(_write(tmp_path, text))


def test_only_a_recommendation_may_go_without_a_channel(tmp_path):
    with pytest.raises(StrategyError, match="needs a channel"):
        load_strategy(_write(tmp_path, GOOD + "    - {name: quiet, at_dpd: 170}\n"))


def test_no_shipped_strategy_sends_the_charge_off_notice_from_a_step():
    for strategy in load_strategies().values():
        for ladder in strategy.arms().values():
            assert all(s.letter is not LetterCode.CHARGE_OFF_NOTICE for s in ladder.steps), strategy.name


def test_an_unknown_profile_is_refused(tmp_path):
    with pytest.raises(StrategyError, match="compliance_profile"):
        load_strategy(_write(tmp_path, GOOD.replace("us_first_party", "us_anything_goes")))


def test_arms_are_stable_and_near_their_share():
    card = load_strategies()["credit_card_us"]
    arms = [card.arm_for(f"ACC-{n}") for n in range(5000)]
    assert arms == [card.arm_for(f"ACC-{n}") for n in range(5000)]
    assert 0.17 < arms.count("challenger") / len(arms) < 0.23


def test_steps_fire_once_per_episode_and_catch_up_after_a_skipped_day(tmp_path):
    ladder = load_strategy(_write(tmp_path, GOOD)).champion
    assert [s.name for s in steps_due(ladder, frozenset(), 16, Status.ACTIVE)] == ["first", "second"]
    assert [s.name for s in steps_due(ladder, frozenset({"first", "second"}), 16, Status.ACTIVE)] == []
    assert steps_due(ladder, frozenset(), 16, Status.PROMISE_PENDING) == ()
    assert next_step_dpd(ladder, frozenset({"first"}), 6) == 15
    assert steps_due(ladder, frozenset(), 30, Status.ACTIVE)[0].letter is LetterCode.FIRST_REMINDER


def test_an_edited_file_is_read_at_the_next_load_and_a_broken_one_fails_it(tmp_path):
    # Given a strategies folder loaded once (a warm Lambda has loaded it before)
    path = _write(tmp_path, GOOD)
    assert load_strategies(tmp_path)["test_card"].version == 1

    # When the file is edited, the next load sees the edit
    path.write_text(GOOD.replace("version: 1", "version: 2"))
    assert load_strategies(tmp_path)["test_card"].label == "test_card@2"

    # And when it is broken, the next load fails naming the file, the step and the field
    path.write_text(GOOD.replace("channel: letter, letter: second_reminder", "channel: fax, letter: x"))
    with pytest.raises(StrategyError) as raised:
        load_strategies(tmp_path)
    assert f"{path}: champion.steps[1] (second).channel" in str(raised.value)


def test_the_loader_follows_the_strategy_root_it_finds_at_call_time(tmp_path, monkeypatch):
    from arrears.domain import strategy

    _write(tmp_path, GOOD)
    monkeypatch.setattr(strategy, "STRATEGY_ROOT", tmp_path)
    assert set(load_strategies()) == {"test_card"}


def test_strategies_keep_to_business_days_unless_they_say_otherwise(tmp_path):
    assert all(s.business_days_only for s in load_strategies().values())
    assert not load_strategy(_write(tmp_path, GOOD + "business_days_only: false\n")).business_days_only


def test_a_jurisdiction_without_a_holiday_calendar_is_refused(tmp_path):
    with pytest.raises(StrategyError, match="without a holiday calendar: XX"):
        load_strategy(_write(tmp_path, GOOD.replace("jurisdictions: [US]", "jurisdictions: [US, XX]")))


def test_the_creditors_hours_are_written_in_each_letter_language(tmp_path):
    with pytest.raises(StrategyError, match="hours needs a text in es"):
        load_strategy(_write(tmp_path, GOOD.replace("hours: {en: h, es: h}", "hours: {en: h}")))
    card = load_strategies()["credit_card_us"].creditor
    assert card.for_letter("es-US")["hours"] == "lunes a viernes de 8:00 a 20:00, hora del Este"
    assert card.for_letter("en-US")["hours"] == "Mon-Fri 8:00-20:00 ET"


def test_a_us_credit_line_names_its_creditors_ecoa_agency(tmp_path):
    """Reg B §1002.9(b)(1): the adverse action notice names the agency of this creditor (appendix A)."""
    with pytest.raises(StrategyError, match="creditor.ecoa_agencies: a US credit line"):
        load_strategy(_write(tmp_path, GOOD.replace(", ecoa_agencies: [occ]", "")))
    with pytest.raises(StrategyError, match="occ_of_mars unknown"):
        load_strategy(_write(tmp_path, GOOD.replace("[occ]", "[occ_of_mars]")))
    abroad = (
        GOOD.replace("jurisdictions: [US]", "jurisdictions: [MX]")
        .replace("us_first_party", "mx_condusef")
        .replace("website: w,", f"website: w, payment_account: {{bank: B, clabe: '{CLABE}'}},")
    )
    with pytest.raises(StrategyError, match="US law"):
        load_strategy(_write(tmp_path, abroad))
    assert (
        load_strategy(_write(tmp_path, abroad.replace(", ecoa_agencies: [occ]", ""))).creditor.ecoa_agencies
        == ()
    )
    assert load_strategy(_write(tmp_path, GOOD)).creditor.ecoa_agencies == ("occ",)
    assert load_strategies()["credit_card_us"].creditor.ecoa_agencies == ("cfpb",)
    assert "ecoa_agencies" not in load_strategies()["credit_card_us"].creditor.for_letter("en-US")


def test_a_mexican_strategy_names_the_creditors_own_account_with_a_valid_clabe(tmp_path):
    """CONDUSEF: an agreement letter names the entity's account to pay into; the CLABE's check digit
    (weights 3, 7, 1 over the first 17 digits) is checked, so a mistyped one never reaches a letter."""
    loaded = load_strategy(_write(tmp_path, MEXICO)).creditor.payment_account
    assert (loaded.bank, loaded.clabe) == ("B", CLABE)
    with pytest.raises(StrategyError, match="creditor.payment_account: a Mexican agreement letter"):
        load_strategy(
            _write(tmp_path, MEXICO.replace(f", payment_account: {{bank: B, clabe: '{CLABE}'}}", ""))
        )
    for wrong, why in (
        (CLABE[:-1] + "4", "check digit"),  # one off the check digit
        (CLABE[:-1] + "6", "check digit"),
        ("01218000987654321", "18 digits"),  # 17 digits
        (CLABE + "0", "18 digits"),
        ("01218000987654321X", "18 digits"),
    ):
        with pytest.raises(StrategyError, match=why):
            load_strategy(_write(tmp_path, MEXICO.replace(CLABE, wrong)))
    assert load_strategies()["credit_card_mx"].creditor.payment_account.clabe == CLABE


def test_a_mexican_agency_strategy_without_its_despachos_redeco_registration_fails_to_load(tmp_path):
    agency = MEXICO.replace("compliance_profile:", "placement: agency\ncompliance_profile:")
    assert load_strategy(_write(tmp_path, agency + DESPACHO)).despacho.redeco == "RDC-1"
    with pytest.raises(StrategyError, match="despacho.redeco: Field required"):
        load_strategy(_write(tmp_path, agency + DESPACHO.replace("  redeco: RDC-1\n", "")))
    with pytest.raises(StrategyError, match="despacho: an agency strategy in Mexico names its despacho"):
        load_strategy(_write(tmp_path, agency))
    with pytest.raises(StrategyError, match="despacho.email"):
        load_strategy(_write(tmp_path, agency + DESPACHO.replace("d@example.mx", "nobody")))
    # a despacho is Mexican and an agency's: not on the creditor's own strategy
    with pytest.raises(StrategyError, match="only an agency strategy in Mexico"):
        load_strategy(_write(tmp_path, MEXICO + DESPACHO))
    assert load_strategies()["agency_card_mx"].despacho.redeco == "RDC-2024-000123"
