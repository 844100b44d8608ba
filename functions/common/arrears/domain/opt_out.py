"""The electronic opt-out (Reg F §1006.6(e)): the link an email carries, and what proves it.

A debt collector who emails must say in each email how the consumer can opt out of further emails
to that address, by a reasonable and simple method, and honour it. The method here is one link:
it holds a token that proves itself (an HMAC-SHA256 over what it names, under a key of the stack),
so following it needs no sign-in, no password and nothing else from the consumer.

What a token names: the account, the channel, the contact point (by id, a keyed hash: no value)
and the letter it came in (its reference). No personal data, and no expiry: a consumer may use the
link of an email months old, and the law gives the opt-out no end date (docs/decisions.md).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass

from arrears.domain.errors import InvalidInput

VERSION = "o1"
# Every field of a token is one of these; nothing else is read from a token before it verifies.
_ACCOUNT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")  # domain.intake.ACCOUNT_ID
_POINT = re.compile(r"[a-z]{3,6}-[0-9a-f]{8,64}")  # services.customers.point_id
_REFERENCE = re.compile(r"[A-Za-z0-9_.:-]{1,40}")  # domain.letters.letter_reference
CHANNELS = frozenset({"email"})  # texts would join here when the engine sends them
# The longest token a link can hold: the fields at their longest, base64, and the signature.
MAX_TOKEN = 320
MIN_KEY_BYTES = 32


class OptOutTokenInvalid(InvalidInput):
    """An opt-out link that is not one we made (forged, altered, cut short). The message says so
    in words a consumer reads, naming nothing of ours."""


@dataclass(frozen=True)
class OptOutToken:
    account_id: str
    channel: str
    point_id: str
    letter: str  # the reference of the email it came in

    def _fields(self) -> str:
        return "|".join((self.account_id, self.channel, self.point_id, self.letter))

    def __post_init__(self) -> None:
        if (
            not _ACCOUNT.fullmatch(self.account_id)
            or self.channel not in CHANNELS
            or not _POINT.fullmatch(self.point_id)
            or not _REFERENCE.fullmatch(self.letter)
        ):
            raise OptOutTokenInvalid("this opt-out link is not valid")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise binascii.Error("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(data) != text:  # the unused low bits of the last character set: one token, one spelling
        raise binascii.Error("not canonical base64url")
    return data


def _signature(key: bytes, body: str) -> bytes:
    if len(key) < MIN_KEY_BYTES:
        raise ValueError("the opt-out signing key is shorter than 32 bytes")
    return hmac.new(key, f"{VERSION}.{body}".encode("ascii"), hashlib.sha256).digest()


def sign(token: OptOutToken, key: bytes) -> str:
    """The token as a link carries it: `o1.<fields>.<signature>`, URL-safe."""
    body = _b64(token._fields().encode("ascii"))
    return f"{VERSION}.{body}.{_b64(_signature(key, body))}"


def verify(text: str | None, key: bytes) -> OptOutToken:
    """The token a link holds, if we signed it (compared in constant time); else OptOutTokenInvalid."""
    if not text or len(text) > MAX_TOKEN or text.count(".") != 2:
        raise OptOutTokenInvalid("this opt-out link is not valid")
    version, body, signature = text.split(".")
    try:
        given = _unb64(signature)
        fields = _unb64(body).decode("ascii").split("|")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise OptOutTokenInvalid("this opt-out link is not valid") from None
    if version != VERSION or not hmac.compare_digest(given, _signature(key, body)) or len(fields) != 4:
        raise OptOutTokenInvalid("this opt-out link is not valid")
    return OptOutToken(*fields)


def link(base_url: str, token: OptOutToken, key: bytes) -> str:
    """The address the email prints: the public endpoint's, with the signed token as its last part."""
    return f"{base_url.rstrip('/')}/opt-out/{sign(token, key)}"
