"""The statute of limitations under the rules a caller gives (a new version of rules/limitations.yaml
before it ships): every answer names their version, and the bar an account keeps is found with them."""

from dataclasses import replace
from datetime import date

import pytest
from arrears.domain.account import Account, ProductType
from arrears.domain.limitations import (
    Limitations,
    Period,
    kept_bar,
    limitations_of,
    load_limitations,
    of_account,
    usps_state,
)

DEFAULTED = date(2020, 1, 15)


def _rules():
    """The shipped rules as version 7, with Ohio's open-end period cut to 2 years (closed-end 3)."""
    shipped = load_limitations()
    ohio = Period(open_end=2, closed_end=3, source="a test's own period")
    return shipped.model_copy(update={"version": 7, "states": {**shipped.states, "OH": ohio}})


def _ohio(**changes) -> Account:
    account = Account(
        "L-1", "main", ProductType.OPEN_END, "USD", 100, 100, (), "en-US", "America/New_York", "US", "main#0"
    )
    return replace(account, **{"state": "OH", "oldest_unpaid_on": DEFAULTED, **changes})


def test_every_answer_names_the_version_of_the_rules_it_came_from():
    rules = _rules()
    assert limitations_of("US", None, "open_end", DEFAULTED, rules) == Limitations(
        unknown="the account's state is not recorded", version=7
    )
    assert limitations_of("US", "GU", "open_end", DEFAULTED, rules) == Limitations(
        "GU", unknown="no limitation period for GU on file", version=7
    )
    assert limitations_of("US", "OH", "open_end", DEFAULTED, rules) == Limitations(
        "OH", date(2022, 1, 15), version=7
    )


def test_an_accounts_limitations_are_read_with_the_rules_given_and_its_product():
    rules = _rules()
    assert of_account(_ohio(), rules).barred_on == date(2022, 1, 15)
    assert of_account(_ohio(product_type=ProductType.CLOSED_END), rules).barred_on == date(2023, 1, 15)


ON = date(2026, 3, 1)


def test_the_bar_a_change_finds_is_found_with_the_rules_given_on_either_side():
    rules = _rules()
    # the state arrives with the change: the bar is the one after it, under the rules given
    assert kept_bar(_ohio(state=None), _ohio(), ON, rules).time_barred_on == date(2022, 1, 15)
    # the state is lost in the change: the bar is the one before it, under the rules given
    assert kept_bar(_ohio(), _ohio(state=None), ON, rules).time_barred_on == date(2022, 1, 15)


def test_the_default_is_the_accounts_last_evaluated_one_when_its_dues_show_none():
    assert kept_bar(_ohio(), _ohio(), ON, _rules()).time_barred_on == date(2022, 1, 15)


def test_a_bar_kept_earlier_than_the_rules_give_stays():
    kept = date(2021, 6, 1)
    assert kept_bar(_ohio(time_barred_on=kept), _ohio(), ON, _rules()).time_barred_on == kept


def test_a_state_that_is_not_a_usps_code_is_named_in_the_refusal():
    assert usps_state(" oh ") == "OH"
    with pytest.raises(ValueError) as refused:
        usps_state("ZZ")
    assert str(refused.value) == "'ZZ' is not a USPS state code (e.g. CA, NY, DC)"
