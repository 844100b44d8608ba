"""What an operator reads when a Mexican strategy lacks what CONDUSEF asks of its letters, and the
creditor as a letter presents it."""

from pathlib import Path

import pytest
from arrears.domain.strategy import StrategyError, load_strategy

CLABE = "012180009876543215"
MEXICO = f"""
name: test_mx
version: 1
product_type: open_end
jurisdictions: [MX]
compliance_profile: mx_condusef
creditor:
  {{name: C, phone: '1', hours: {{en: h, es: h}}, address: a, website: w,
   payment_account: {{bank: B, clabe: '{CLABE}'}}}}
champion:
  steps:
    - {{name: call, at_dpd: 20, channel: call_task}}
"""
DESPACHO = """despacho:
  name: D
  address: a
  phone: '1'
  email: d@example.mx
  redeco: RDC-1
"""
AGENCY = MEXICO.replace("compliance_profile:", "placement: agency\ncompliance_profile:")


def _refusal(tmp_path: Path, text: str) -> str:
    path = tmp_path / "mx.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StrategyError) as refused:
        load_strategy(path)
    return str(refused.value).removeprefix(f"{path}: ")


def test_a_mexican_strategy_without_the_creditors_account_says_what_to_add(tmp_path):
    text = MEXICO.replace(f",\n   payment_account: {{bank: B, clabe: '{CLABE}'}}", "")
    assert _refusal(tmp_path, text) == (
        "strategy: creditor.payment_account: a Mexican agreement letter names the creditor's own "
        "account (bank and CLABE) to pay into"
    )


def test_a_mexican_agency_strategy_without_its_despacho_says_what_to_add(tmp_path):
    assert _refusal(tmp_path, AGENCY) == (
        "strategy: despacho: an agency strategy in Mexico names its despacho de cobranza (name, "
        "address, phone, email, REDECO registration)"
    )


def test_a_despacho_on_a_creditors_own_strategy_is_refused_and_says_why(tmp_path):
    assert _refusal(tmp_path, MEXICO + DESPACHO) == (
        "strategy: despacho: only an agency strategy in Mexico names a despacho de cobranza"
    )


def test_a_creditor_without_an_account_to_pay_into_presents_none(tmp_path):
    path = tmp_path / "us.yaml"
    path.write_text(
        MEXICO.replace("[MX]", "[PH]")
        .replace("mx_condusef", "ph_bsp")
        .replace(f",\n   payment_account: {{bank: B, clabe: '{CLABE}'}}", ""),
        encoding="utf-8",
    )
    shown = load_strategy(path).creditor.for_letter("en-PH")
    assert shown == {"name": "C", "phone": "1", "hours": "h", "address": "a", "website": "w"}
