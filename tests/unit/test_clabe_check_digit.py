"""A CLABE is 18 ASCII digits whose last is Banco de México's check digit over the first 17."""

import pytest
from arrears.domain.clabe import check_digit, problem_with
from hypothesis import given, settings
from hypothesis import strategies as st

VALID = "012180009876543215"  # bank 012, plaza 180, account 00987654321, check digit 5
LENGTH = "a CLABE is 18 digits"
MISMATCH = "the CLABE's check digit does not match its first 17 digits"


@pytest.mark.parametrize(
    "clabe,digit",
    [
        (VALID, 5),
        ("032180000118359719", 9),  # the example CLABE Wikipedia's article on CLABE works through
        ("002010077777777771", 1),
    ],
)
def test_a_valid_clabe_has_no_problem(clabe, digit):
    assert check_digit(clabe[:-1]) == digit
    assert problem_with(clabe) is None


@pytest.mark.parametrize(
    "clabe,problem",
    [
        (VALID[:-1], LENGTH),  # 17 digits
        (VALID + "0", LENGTH),  # 19
        ("01218000987654321X", LENGTH),
        ("٠١٢١٨٠٠٠٩٨٧٦٥٤٣٢١٥", LENGTH),  # Arabic-Indic digits: digits, not ASCII
        ("012180009876543214", MISMATCH),
        ("012180009876543216", MISMATCH),
    ],
)
def test_what_is_not_a_clabe_says_why(clabe, problem):
    assert problem_with(clabe) == problem


def test_a_check_digit_of_ten_is_written_as_zero():
    """Seventeen zeros sum to 0: (10 - 0) mod 10 is 0, never 10."""
    assert check_digit("0" * 17) == 0
    assert problem_with("0" * 18) is None


SEVENTEEN = st.text(alphabet="0123456789", min_size=17, max_size=17)


@settings(max_examples=60, deadline=None)
@given(SEVENTEEN, st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_changed_is_caught(first, position, shift):
    clabe = first + str(check_digit(first))
    assert problem_with(clabe) is None
    changed = str((int(clabe[position]) + shift) % 10)
    assert problem_with(clabe[:position] + changed + clabe[position + 1 :]) == MISMATCH
