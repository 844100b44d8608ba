"""The opt-out link at its edges: each field of a token checked on its own, the refusal a consumer
reads, a token whose text ends in a letter the padding strip must keep, and the link's address."""

import pytest
from arrears.domain.opt_out import OptOutToken, OptOutTokenInvalid, link, sign, verify

KEY = b"k" * 32
GOOD = ("ACC-0042", "email", "email-0123456789abcdef", "0042-20260303-PC")
NOT_VALID = "this opt-out link is not valid"


@pytest.mark.parametrize(
    "index,wrong", [(0, "-ACC"), (1, "sms"), (2, "EMAIL-0123456789abcdef"), (3, "ref with spaces")]
)
def test_a_token_with_any_one_field_wrong_is_refused(index, wrong):
    fields = list(GOOD)
    fields[index] = wrong
    with pytest.raises(OptOutTokenInvalid) as refused:
        OptOutToken(*fields)
    assert str(refused.value) == NOT_VALID


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "o1.a",  # one dot
        "o1.!!.!!",  # not base64url
        "o1.QUJD.QUJD",  # not signed by us
        "o1." + "A" * 320,  # too long
    ],
)
def test_a_link_that_is_not_ours_tells_the_consumer_so_and_nothing_more(text):
    with pytest.raises(OptOutTokenInvalid) as refused:
        verify(text, KEY)
    assert str(refused.value) == NOT_VALID


def test_a_token_whose_fields_end_in_an_x_keeps_it():
    token = OptOutToken("ACC-0042", "email", "email-0123456789abcdef", "W")
    text = sign(token, KEY)
    assert text.split(".")[1].endswith("X")
    assert verify(text, KEY) == token


@pytest.mark.parametrize("reference", ["RR", "RRR", "R" * 14, "R" * 16, "R" * 40])
def test_tokens_of_every_length_verify(reference):
    token = OptOutToken("ACC-0042", "email", "email-0123456789abcdef", reference)
    assert verify(sign(token, KEY), KEY) == token


def test_a_signing_key_shorter_than_32_bytes_is_refused_and_named():
    with pytest.raises(ValueError) as refused:
        sign(OptOutToken(*GOOD), b"k" * 31)
    assert str(refused.value) == "the opt-out signing key is shorter than 32 bytes"


def test_the_link_keeps_the_base_address_and_drops_only_its_trailing_slash():
    token = OptOutToken(*GOOD)
    assert (
        link("https://api.example.com/X/", token, KEY)
        == f"https://api.example.com/X/opt-out/{sign(token, KEY)}"
    )
