"""Authority by operator level, kept as data (`rules/authority.yaml`). Plain Python.

An action within the operator's level is carried out; one beyond it becomes a pending approval,
and only an operator whose own level covers it may approve it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from arrears.domain.errors import InvalidInput

AUTHORITY_FILE = Path(__file__).resolve().parents[2] / "rules" / "authority.yaml"


class Level(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rank: int = Field(ge=1, le=10)
    max_promise_days: int = Field(ge=1)
    max_instalments: int = Field(ge=1)
    max_settlement_discount_pct: int = Field(ge=0, le=100)
    release_bankruptcy_hold: bool = False
    see_personal_data: bool = False
    place_with_agency: bool = False
    assign_suspense: bool = False  # post money held in suspense to the account it belongs to
    charge_off: bool = False  # confirm or decline a recommended charge-off
    approve: bool = False  # may decide on others' pending requests (within its own limits)
    # The largest adjustment (either way) per currency, in major units; a currency not listed
    # needs approval for any adjustment.
    max_adjustment: dict[str, Decimal] = Field(default_factory=dict)
    reage: bool = False  # bring a delinquent account current without the money (FFIEC's limits)


class Authority(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    levels: dict[str, Level] = Field(min_length=1)

    def level(self, name: str) -> Level:
        if name not in self.levels:
            raise InvalidInput(f"unknown operator level {name!r}; one of {', '.join(self.levels)}")
        return self.levels[name]


@lru_cache(maxsize=2)
def load_authority(path: Path = AUTHORITY_FILE) -> Authority:
    try:
        return Authority.model_validate(yaml.safe_load(path.read_text()))
    except ValidationError as exc:
        raise InvalidInput(f"{path.name}: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from exc


# What a level that does not see personal data may still do to a contact point: report that it
# failed. Adding one, verifying one (or a skip-trace candidate) or choosing among them (`do_not_use`)
# decides where the next letter goes, so it needs a level that sees what it changes.
FAILURE_MARKS = ("returned_mail", "bounced", "wrong_party")
CONTACT_CHANGES = {
    "add": "adding a contact point",
    "verify": "verifying a contact point",
    "verify_candidate": "verifying a skip-trace candidate",
    "mark": "marking a contact point",
}


def refusal(level: Level, action: str, params: Mapping[str, Any]) -> str | None:
    """Why this level may not do this action at all (no approval makes it so), or None when it may.

    A change to a customer's contact points needs a level that sees personal data (`see_personal_data`:
    it must see what it changes); any other level may only report a point's failure."""
    if action != "contact" or level.see_personal_data:
        return None
    change = str(params.get("change"))
    if change == "mark" and params.get("status") in FAILURE_MARKS:
        return None
    what = CONTACT_CHANGES.get(change, "changing a contact point")
    if change == "mark":
        what += f" {params.get('status')}"
    return (
        f"{what} needs a level that sees personal data; this level may only report a point's "
        f"failure ({', '.join(FAILURE_MARKS)})"
    )


def beyond(level: Level, action: str, params: Mapping[str, Any], today: date) -> str | None:
    """Why this action is beyond the level (it then needs approval), or None when it is within."""
    if action == "promise":
        days = (date.fromisoformat(params["pay_by"]) - today).days
        if days > level.max_promise_days:
            return f"a promise {days} days out; this level may agree up to {level.max_promise_days}"
    elif action == "arrangement":
        count = len(params["instalments"])
        if count > level.max_instalments:
            return f"{count} instalments; this level may agree up to {level.max_instalments}"
    elif action == "settlement":
        pct = float(params["discount_pct"])
        if pct > level.max_settlement_discount_pct:
            return f"a {pct:g}% discount; this level may agree up to {level.max_settlement_discount_pct}%"
    elif (
        action == "release_hold" and params.get("hold") == "bankruptcy" and not level.release_bankruptcy_hold
    ):
        return "releasing a bankruptcy hold needs a supervisor"  # the automatic stay: not a collector's call
    elif action in ("place_agency", "recall_agency") and not level.place_with_agency:
        return "placing an account with an agency (or recalling it) needs a level 5 or a supervisor"
    elif action == "assign_suspense" and not level.assign_suspense:
        return "posting money held in suspense to an account needs a level 5 or a supervisor"
    elif action == "charge_off" and not level.charge_off:
        return "deciding on a charge-off needs a supervisor"
    elif action == "adjust":
        return _adjustment_beyond(level, params)
    return None


def _adjustment_beyond(level: Level, params: Mapping[str, Any]) -> str | None:
    """An adjustment is judged by its size in the account's currency (the service adds it to the
    parameters as `currency`), and a re-age by the level's flag."""
    if params.get("reage") and not level.reage:
        return "re-aging an account needs a supervisor"
    currency = str(params.get("currency"))
    try:
        size = abs(Decimal(str(params["amount"])))
    except (InvalidOperation, KeyError) as exc:
        raise InvalidInput("an adjustment needs its amount") from exc
    limit = level.max_adjustment.get(currency)
    if limit is None:
        return f"this level adjusts no {currency} amounts without approval"
    if size > limit:
        return f"an adjustment of {size} {currency}; this level may adjust up to {limit} {currency}"
    return None


def refusal_to_decide(
    decider: str,
    decider_level: Level,
    requester: str,
    requester_level: Level,
    same_person: bool,
    approving: tuple[str, Mapping[str, Any], date] | None,
) -> str | None:
    """Why `decider` may not decide on `requester`'s pending request, or None when they may.

    Four eyes by identity, whatever the level: nobody decides on their own request. Then the
    decider's level must approve, rank above the requester's, and, to approve, cover the action
    itself (`approving`: the action, its parameters, the day).
    """
    if same_person:
        return f"{decider} cannot decide on their own request"
    if not decider_level.approve:
        return f"{decider}'s level does not approve requests"
    if decider_level.rank <= requester_level.rank:
        return f"{decider} cannot decide on a request by {requester}"
    if approving is not None:
        outside = beyond(decider_level, *approving)
        if outside:
            return f"beyond {decider}'s own authority too: {outside}"
    return None
