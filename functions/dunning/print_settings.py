"""What the print-and-mail vendor is asked for with the day's batch."""

from __future__ import annotations

from typing import Literal

from arrears.runtime.settings import EnvSettings
from pydantic import Field


class PrintSettings(EnvSettings):
    # A collection letter is a statement of account: USPS takes it as First-Class Mail only (DMM
    # 243.2.1), never as Marketing Mail; certified mail is for the notices a lender sends that way.
    postage_class: Literal["first_class", "certified"] = Field(
        default="first_class", validation_alias="PRINT_POSTAGE_CLASS"
    )


def get_print_settings() -> PrintSettings:
    """Read at each close of the day (one variable, once a day): nothing to cache, nothing stale."""
    return PrintSettings.from_environment()
