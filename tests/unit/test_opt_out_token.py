"""The opt-out link's token (Reg F §1006.6(e)): ours verifies, anything else is refused; and the
independent check flags a Reg F email without it, and an email after an opt-out."""

from __future__ import annotations

import pytest
from arrears.domain.opt_out import MAX_TOKEN, OptOutToken, OptOutTokenInvalid, link, sign, verify
from arrears.store.models import ActivityModel

from arrears_cli import compliance_check

KEY = b"k" * 32
TOKEN = OptOutToken("ACC-0042", "email", "email-0123456789abcdef", "0042-20260303-PC")
OTHER = OptOutToken("ACC-0043", "email", "email-0123456789abcdef", "0042-20260303-PC")


def test_a_token_we_signed_verifies_to_what_it_names_and_holds_no_personal_value():
    text = sign(TOKEN, KEY)
    assert verify(text, KEY) == TOKEN
    assert len(text) <= MAX_TOKEN and "@" not in text
    assert link("https://api.example.com/", TOKEN, KEY) == f"https://api.example.com/opt-out/{text}"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature altered
        lambda t: t.replace("o1.", "o2.", 1),  # another version
        lambda t: ".".join(
            (t.split(".")[0], sign(OTHER, KEY).split(".")[1], t.split(".")[2])
        ),  # fields of another
        lambda t: t + ".x",
        lambda t: "",
        lambda t: "o1." + "A" * MAX_TOKEN,
        lambda t: "o1.!!.!!",
    ],
)
def test_a_forged_or_malformed_token_is_refused(tamper):
    with pytest.raises(OptOutTokenInvalid):
        verify(tamper(sign(TOKEN, KEY)), KEY)


def test_a_token_has_one_spelling_the_unused_bits_of_its_last_character_set_are_refused():
    b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    text = sign(TOKEN, KEY)
    head, last = text[:-1], b64.index(text[-1])
    # a 32-byte signature is 43 characters: the last carries 4 bits and 2 unused ones
    spellings = {head + b64[(last & ~3) | low] for low in range(4)}
    accepted = set()
    for spelling in spellings:
        try:
            verify(spelling, KEY)
            accepted.add(spelling)
        except OptOutTokenInvalid:
            pass
    assert accepted == {text}


def test_a_token_signed_with_another_key_is_refused():
    with pytest.raises(OptOutTokenInvalid):
        verify(sign(TOKEN, b"x" * 32), KEY)


def _email(
    profile: str, offered: bool | None, local_time: str = "2026-03-03T12:00:00-05:00"
) -> ActivityModel:
    detail = {"channel": "email", "profile": profile, "code": "promise_confirmation",
              "local_time": local_time, "time_zone": "America/New_York", "dpd": 10}  # fmt: skip
    if offered is not None:
        detail["opt_out_offered"] = offered
    return ActivityModel("ACC-1", "2026-03-03#letter#x", kind="letter", occurred_on="2026-03-03",
                         actor="collection_cycle", status="sent", detail=detail)  # fmt: skip


def _rules(records, opt_outs=()) -> list[str]:
    return [v.rule for v in compliance_check.check(records, opt_outs) if v.rule != "validation_notice_first"]


def test_the_check_flags_a_reg_f_email_without_the_opt_out_and_not_one_with_it_or_another_profile():
    assert _rules([_email("us_reg_f", None)]) == ["email_opt_out_missing"]
    assert _rules([_email("us_reg_f", False)]) == ["email_opt_out_missing"]
    assert _rules([_email("us_reg_f", True)]) == []
    assert _rules([_email("mx_condusef", None)]) == []


def test_the_check_flags_an_email_sent_at_or_after_the_moment_of_an_opt_out_and_not_one_before():
    at = {"channel": "email", "at": "2026-03-03T16:00:00+00:00"}
    opted = ActivityModel("ACC-1", "2026-03-03#opt_out#email:p", kind="opt_out", occurred_on="2026-03-03",
                          actor="customer", detail=at)  # fmt: skip
    before = _email("us_reg_f", True, "2026-03-03T10:59:00-05:00")  # 15:59 UTC
    after = _email("us_reg_f", True, "2026-03-03T11:00:00-05:00")  # 16:00 UTC
    assert _rules([before], [opted]) == []
    assert _rules([after], [opted]) == ["opt_out"]
