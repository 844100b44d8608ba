"""Time-barred debt: the limitation period per state (rules/limitations.yaml), no letter that threatens
suit once it has run (Reg F §1006.26(b)), the state's disclosure in every letter after it, the bar date
an account keeps through a change of state or a re-age, the US state an import row gives, and the
independent checker's two rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from arrears.domain import limitations
from arrears.domain.account import Account, ProductType
from arrears.domain.compliance import PROFILES, Channel
from arrears.domain.customer import Reach
from arrears.domain.errors import InvalidInput
from arrears.domain.intake import AccountRecord
from arrears.domain.ledger import Due
from arrears.domain.letters import Addressee, LetterCode, render
from arrears.domain.money import Money
from arrears.domain.rebilling import Adjustment, decide
from arrears.domain.rows import FieldProblem
from arrears.domain.strategy import load_strategies
from arrears.services.letter_context import letter_context
from arrears.store.models import ActivityModel
from dunning.contacts import addressed
from dunning.cycle import plan
from pydantic import ValidationError

from arrears_cli import compliance_check

AGENCY = load_strategies()["agency_loan_us"]  # closed-end, us_reg_f
CARD_US = load_strategies()["credit_card_us"]  # open-end, us_first_party
DEFAULTED = date(2021, 3, 3)  # a Wednesday
BARRED = date(2025, 3, 3)  # four years on: California, written contracts (a Monday)
CA_OPENING = "The law limits how long you can be sued on a debt."
CA_ES_OPENING = "La ley limita el plazo durante el cual se le puede demandar por una deuda."


def _placed(state: str | None = "CA", **fields) -> Account:
    """An instalment loan placed with the agency, its validation notice long provided, in default since
    DEFAULTED: only the statute of limitations stands between it and the final demand."""
    fields = {
        "oldest_unpaid_on": DEFAULTED, "past_due": 5000, "dpd": 1000, "reach": (Reach.POSTAL.value,),
        "placement": "agency", "validation_notice_on": date(2021, 6, 1), "state": state, **fields,
    }  # fmt: skip
    return Account(
        "OLD-1", "main", ProductType.CLOSED_END, "USD", 100_000, 100_000, (Due(DEFAULTED, 5000),),
        "en-US", "America/Los_Angeles", "US", home_shard="main#000", **fields,
    )  # fmt: skip


def _final_demand_on(day: date, account: Account | None = None, strategy=AGENCY):
    noon = datetime.combine(day, time(12), ZoneInfo("America/Los_Angeles"))
    _, decision, _ = addressed(Channel.LETTER, LetterCode.FINAL_DEMAND, account or _placed(), strategy, noon)
    return decision


# ------------------------------------------------------------------ the guardrail


def test_the_final_demand_goes_the_day_before_the_bar_and_is_refused_on_it_and_after():
    before = _final_demand_on(BARRED - timedelta(days=3))  # the Friday: provided that day
    on_the_day, after = _final_demand_on(BARRED), _final_demand_on(BARRED + timedelta(days=1))

    assert before.allowed
    assert (on_the_day.allowed, on_the_day.rule) == (False, "time_barred")
    assert (after.allowed, after.rule) == (False, "time_barred")
    assert on_the_day.reason == "the debt is time-barred since 2025-03-03 (CA): do not threaten suit"


def test_a_final_demand_queued_the_day_before_but_provided_on_the_bar_date_is_refused():
    # Saturday 1 March: a postal letter is provided to the vendor on Monday 3 March, the bar date
    assert not _final_demand_on(BARRED - timedelta(days=2)).allowed


def test_a_letter_that_threatens_no_suit_still_goes_to_a_time_barred_debt():
    noon = datetime.combine(BARRED, time(12), ZoneInfo("America/Los_Angeles"))
    _, decision, _ = addressed(Channel.LETTER, LetterCode.PAST_DUE_NOTICE, _placed(), AGENCY, noon)
    assert decision.allowed


def test_a_us_account_whose_state_is_not_recorded_is_read_as_maybe_time_barred():
    decision = _final_demand_on(DEFAULTED + timedelta(days=90), _placed(state=None))
    assert (decision.allowed, decision.rule) == (False, "time_barred")
    assert decision.reason.startswith("the account's state is not recorded: the debt may be time-barred")
    territory = _final_demand_on(DEFAULTED + timedelta(days=90), _placed(state="GU"))
    assert (territory.allowed, territory.rule) == (False, "time_barred")
    assert "no limitation period for GU on file" in territory.reason


def test_the_rule_is_a_debt_collectors_under_reg_f_only():
    card = replace(_placed(), product_type=ProductType.OPEN_END, placement=None, validation_notice_on=None)
    assert _final_demand_on(BARRED + timedelta(days=1), card, CARD_US).allowed
    assert PROFILES[CARD_US.compliance_profile].third_party is False


# ------------------------------------------------------------------ the bar date


@pytest.mark.parametrize(
    ("state", "product", "barred_on"),
    [
        ("CA", "closed_end", date(2025, 3, 3)),  # 4 years
        ("IL", "closed_end", date(2031, 3, 3)),  # 10 years, written
        ("IL", "open_end", date(2026, 3, 3)),  # 5 years, open account
        ("NY", "open_end", date(2024, 3, 3)),  # 3 years, consumer credit (CCFA)
    ],
)
def test_the_bar_date_counts_the_states_years_for_the_product_from_the_default(state, product, barred_on):
    assert limitations.limitations_of("US", state, product, DEFAULTED).barred_on == barred_on


def test_an_account_in_default_on_29_february_is_barred_on_the_28th_of_a_common_year():
    assert limitations.limitations_of("US", "NY", "open_end", date(2024, 2, 29)).barred_on == date(
        2027, 2, 28
    )


def test_nothing_unpaid_bars_nothing_and_outside_the_us_no_state_statute_applies():
    assert limitations.limitations_of("US", "CA", "open_end", None).no_suit_threat(BARRED) is None
    assert limitations.limitations_of("MX", None, "open_end", DEFAULTED).no_suit_threat(BARRED) is None


def test_the_rules_file_covers_every_state_and_dc_and_a_file_missing_one_is_refused(tmp_path: Path):
    rules = limitations.load_limitations()
    assert len(rules.states) == 51 and all(p.source for p in rules.states.values())
    assert {"CA", "NY", "TX", "NM", "WV", "MA", "CT"} <= set(rules.disclosures)
    raw = yaml.safe_load(limitations.LIMITATIONS_FILE.read_text(encoding="utf-8"))
    del raw["states"]["WY"]
    bad = tmp_path / "limitations.yaml"
    bad.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(InvalidInput, match="no limitation period for WY"):
        limitations.load_limitations(bad)


# ------------------------------------------------------------------ the disclosure


def _letter(account: Account, on: date, locale: str = "en-US") -> str:
    account = replace(account, locale=locale)
    to = Addressee("Ana Ruiz", ("12 Elm St", "Fresno CA 93721"))
    return render(letter_context(LetterCode.PAST_DUE_NOTICE, account, AGENCY, on, "REF-1", to))


def test_a_letter_to_a_time_barred_california_debt_carries_the_disclosure_in_english_and_spanish():
    assert CA_OPENING in _letter(_placed(), BARRED)
    assert CA_ES_OPENING in _letter(_placed(), BARRED, "es-US")
    assert CA_OPENING not in _letter(_placed(), BARRED - timedelta(days=1))  # not yet barred


def test_a_time_barred_debt_in_a_state_without_the_requirement_carries_none():
    ohio = _placed(state="OH")  # 6 years for written contracts: barred on 2027-03-03
    assert "sued on a debt" not in _letter(ohio, date(2027, 3, 3))
    assert "sued on a debt" not in _letter(_placed(state=None), BARRED)


# ------------------------------------------------------------------ the bar kept through a change


def _refused_on(account: Account) -> list[date]:
    """Of the Friday before the bar (a letter provided that day), the bar date and the day after: the
    days a final demand to the account is refused."""
    days = (BARRED - timedelta(days=3), BARRED, BARRED + timedelta(days=1))
    return [day for day in days if not _final_demand_on(day, account).allowed]


def test_a_new_state_with_a_longer_period_is_recorded_but_never_postpones_the_bar():
    # Given the California debt (4 years: barred on BARRED) as the cycle last saw it
    before = _placed()
    # When the feed says the customer lives in Rhode Island (10 years: 2031) a year before the bar
    after = limitations.kept_bar(before, replace(before, state="RI"), date(2024, 3, 1))
    # Then the state is Rhode Island's, and the bar stays California's: refused from BARRED on
    assert (after.state, after.time_barred_on) == ("RI", BARRED)
    assert _refused_on(after) == [BARRED, BARRED + timedelta(days=1)]
    assert _final_demand_on(BARRED, after).reason == (
        "the debt is time-barred since 2025-03-03 (RI, kept from before a change to the account): "
        "do not threaten suit"
    )
    # a state with a shorter period brings the bar nearer (New York, 3 years)
    assert limitations.kept_bar(before, replace(before, state="NY"), date(2023, 3, 1)).time_barred_on == (
        date(2024, 3, 3)
    )


def test_an_account_not_yet_evaluated_keeps_the_bar_its_dues_give():
    # imported, never seen by a cycle: only its dues say it is in default since DEFAULTED
    imported = _placed(oldest_unpaid_on=None, past_due=0, dpd=0)
    moved = limitations.kept_bar(imported, replace(imported, state="RI"), date(2026, 3, 2))
    assert moved.time_barred_on == BARRED
    assert limitations.of_account(moved).no_suit_threat(date(2026, 3, 2)) is not None


def test_the_effective_bar_is_the_earlier_of_the_kept_one_and_the_one_the_state_gives_now():
    ohio = _placed(state="OH")  # 6 years: 2027-03-03
    assert limitations.of_account(replace(ohio, time_barred_on=BARRED)).barred_on == BARRED
    later = replace(ohio, time_barred_on=date(2030, 1, 1))
    assert limitations.of_account(later).barred_on == date(2027, 3, 3)
    same = limitations.of_account(replace(_placed(), time_barred_on=BARRED))
    assert (same.barred_on, same.kept) == (BARRED, False)  # the state gives it: nothing was kept


def _reaged(on: date) -> Account:
    """The California debt re-aged on `on` by a zero adjustment marked as correcting an error (the FFIEC
    limits set aside), then evaluated by the cycle that day."""
    adjustment = Adjustment(Money(0, "USD"), "re-aged", reage=True, corrects_error=True)
    rebilled = decide(replace(_placed(), next_action_on=on), adjustment, on)
    assert rebilled.reaged and all(due.due_on > on for due in rebilled.account.dues)  # nothing past due
    planned = plan(rebilled.account, on)
    assert planned is not None
    return planned[0]


def test_a_zero_re_age_marked_as_correcting_an_error_does_not_restart_the_limitation_period():
    # after the bar: the re-age moves the oldest due into 2026, the debt stays barred since BARRED
    after_the_bar = _reaged(date(2026, 3, 2))
    assert after_the_bar.oldest_unpaid_on is None
    assert limitations.of_account(after_the_bar).barred_on == BARRED
    assert not _final_demand_on(date(2026, 3, 2), after_the_bar).allowed
    # before the bar: still barred on BARRED, not four years after the new due dates
    assert _refused_on(_reaged(date(2025, 1, 6))) == [BARRED, BARRED + timedelta(days=1)]


def test_the_days_evaluation_finds_the_bar_and_keeps_it_when_a_payment_moves_the_default_later():
    # Given an instalment loan in default since DEFAULTED and a month later, evaluated by no cycle yet
    two_dues = (Due(DEFAULTED, 5000), Due(date(2021, 4, 3), 5000))
    account = replace(_placed(oldest_unpaid_on=None, next_action_on=date(2024, 6, 3)), dues=two_dues)
    # When the cycle evaluates it, the bar is found and kept on the account
    evaluated = plan(account, date(2024, 6, 3))[0]
    assert (evaluated.oldest_unpaid_on, evaluated.time_barred_on) == (DEFAULTED, BARRED)
    # And when a payment then pays the oldest due, the default moves a month, the bar does not
    paid = replace(evaluated, dues=two_dues[1:], next_action_on=date(2024, 6, 4))
    after = plan(paid, date(2024, 6, 4))[0]
    assert (after.oldest_unpaid_on, after.time_barred_on) == (date(2021, 4, 3), BARRED)
    assert _refused_on(after) == [BARRED, BARRED + timedelta(days=1)]


# ------------------------------------------------------------------ the import row


ROW = {
    "account_id": "A-1", "product_type": "open-end", "currency": "USD", "balance": "100.00",
    "locale": "en-US", "time_zone": "America/New_York", "jurisdiction": "US",
}  # fmt: skip


def _problem(**columns) -> FieldProblem:
    with pytest.raises(ValidationError) as caught:
        AccountRecord.model_validate({**ROW, **columns})
    return caught.value.errors()[0]


def test_the_import_refuses_a_state_that_is_no_usps_code():
    problem = _problem(state="ZZ")
    assert problem["loc"] == ("state",)
    assert "is not a USPS state code" in problem["msg"]


def test_the_state_is_stored_upper_cased_or_taken_from_a_us_mailing_address():
    assert AccountRecord.model_validate({**ROW, "state": "ca"}).to_account("main", BARRED, 4).state == "CA"
    address = {"address_line1": "12 Elm St", "city": "Dayton", "region": "OH", "postal_code": "45402"}
    assert AccountRecord.model_validate({**ROW, **address}).state == "OH"
    abroad = {**address, "region": "ON", "country": "CA"}  # Ontario, Canada: no US state
    assert AccountRecord.model_validate({**ROW, **abroad}).state is None


def test_an_account_outside_the_us_ignores_the_column():
    mexican = {**ROW, "currency": "MXN", "locale": "es-MX", "time_zone": "America/Mexico_City"}
    assert AccountRecord.model_validate({**mexican, "jurisdiction": "MX", "state": "Jalisco"}).state is None


# ------------------------------------------------------------------ the independent checker


def _sent(code: str, sent_on: str, **facts) -> ActivityModel:
    detail = {"code": code, "profile": "us_reg_f", "channel": "letter", "sent_on": sent_on, **facts}
    return ActivityModel(
        pk="OLD-1", sk=f"{sent_on}#letter#{code}", kind="letter", occurred_on=sent_on, detail=detail
    )


def _rules(records) -> list[tuple[str, str]]:
    return [
        (v.rule, v.occurred_on) for v in compliance_check.check(records) if v.rule.startswith("time_barred")
    ]


def test_the_checker_flags_a_final_demand_sent_on_or_after_the_bar_date():
    barred = {"state": "OH", "time_barred_on": "2025-03-03"}
    assert _rules([_sent("final_demand", "2025-02-28", **barred)]) == []
    assert _rules([_sent("final_demand", "2025-03-03", **barred)]) == [("time_barred_threat", "2025-03-03")]
    unknown = _sent("final_demand", "2025-03-03", limitations_unknown="the account's state is not recorded")
    assert _rules([unknown]) == [("time_barred_threat", "2025-03-03")]


def test_the_checker_flags_a_letter_to_a_time_barred_debt_in_a_disclosure_state_without_it():
    barred = {"state": "CA", "time_barred_on": "2025-03-03"}
    without = _sent("past_due_notice", "2025-03-03", **barred, time_barred_disclosure=None)
    with_it = _sent("past_due_notice", "2025-03-04", **barred, time_barred_disclosure="CA")
    before = _sent("past_due_notice", "2025-02-28", **barred, time_barred_disclosure=None)
    assert _rules([without, with_it, before]) == [("time_barred_disclosure", "2025-03-03")]
