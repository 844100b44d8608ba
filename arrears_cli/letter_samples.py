"""Sample letters: every letter code in every supported locale, rendered from realistic data.

`python -m arrears_cli.letter_samples docs/letters` writes `<out>/<locale>/<code>.html` and an
`<out>/index.html` linking them, so reviewers (compliance, translators) can read every letter in
a browser or print it. `sample_context` is the data behind each sample; the tests reuse it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from arrears.domain.agreement_terms import AgreementTerms, DebtBreakdown, arrangement_terms, settlement_terms
from arrears.domain.compliance import PROFILES, validation_period_end
from arrears.domain.customer import Address
from arrears.domain.letters import (
    SUPPORTED_LOCALES,
    Addressee,
    Creditor,
    LetterCode,
    LetterContext,
    PayInto,
    addressee,
    letter_reference,
    masked_account,
    render,
)
from jinja2 import Environment, StrictUndefined

SENT_ON = date(2025, 3, 14)
ACCOUNT_ID = "7701530042"  # synthetic: the samples print only its last four, as every letter does
BALANCE = 123456  # minor units: 1,234.56 in every sample currency
PAST_DUE = 25000

CURRENCIES = {"en-US": "USD", "es-US": "USD", "es-MX": "MXN", "en-PH": "PHP"}

_US_ADDRESS = "PO Box 4100\nWilmington, DE 19850-4100\nUnited States"

CREDITORS = {
    "en-US": Creditor(
        name="Arrears Card Services",
        phone="1-800-555-0142",
        hours="Monday to Friday 8 a.m. to 9 p.m., Saturday 9 a.m. to 5 p.m. Eastern Time",
        address=_US_ADDRESS,
        website="www.arrearscard.example",
    ),
    "es-US": Creditor(
        name="Arrears Card Services",
        phone="1-800-555-0143",
        hours="lunes a viernes de 8:00 a 21:00 y sábados de 9:00 a 17:00, hora del Este",
        address=_US_ADDRESS,
        website="www.arrearscard.example/es",
    ),
    "es-MX": Creditor(
        name="Arrears Servicios Financieros, S.A. de C.V.",
        phone="800 555 0142",
        hours="lunes a viernes de 8:00 a 20:00 y sábados de 9:00 a 14:00, hora del centro de México",
        address="Av. Paseo de la Reforma 250, piso 12\nCol. Juárez, Cuauhtémoc\n06600 Ciudad de México, CDMX",
        website="www.arrears-tarjetas.example",
        payment_account=PayInto("BBVA México", "012180009876543215"),
    ),
    "en-PH": Creditor(
        name="Arrears Card Services Philippines, Inc.",
        phone="(02) 8555 0142",
        hours="Monday to Saturday 8:00 a.m. to 8:00 p.m., Philippine time",
        address="15th Floor, Tower One, Ayala Triangle\nAyala Avenue, Makati City\n"
        "Metro Manila 1226, Philippines",
        website="www.arrears-ph.example",
    ),
}

# The debt collector a lender places its US debts with: the validation notice comes from it, and
# names the creditors (sample_extra) as the lender's data for the placement gives them.
COLLECTORS = {
    locale: Creditor(
        name="Arrears Recovery Services, LLC",
        phone="1-800-555-0199",
        hours=hours,
        address="PO Box 7720\nColumbus, OH 43216",
        website="www.example.com/recovery",
    )
    for locale, hours in (
        ("en-US", "Mon-Fri 8:00-20:00 ET"),
        ("es-US", "lunes a viernes de 8:00 a 20:00, hora del Este"),
    )
}
ORIGINAL_CREDITOR = "Arrears Card Services"
CURRENT_CREDITOR = "Arrears Receivables Trust I"  # the issuer sold the debt on: the notice names both

# The sample customers: synthetic names and addresses, written as each country's post expects them.
ADDRESSEES: dict[str, Addressee] = {
    "en-US": addressee(
        "Jordan A. Whitfield",
        Address(("1428 Elm Street", "Apt 3B"), "Springfield", "IL", "62704", "US"),
        "US",
    ),
    "es-US": addressee(
        "María Elena Castillo Ruiz", Address(("2210 W Cermak Rd",), "Chicago", "IL", "60608", "US"), "US"
    ),
    "es-MX": addressee(
        "José Luis Hernández Ramírez",
        Address(
            ("Calle Río Lerma 118, int. 4", "Col. Cuauhtémoc"), "Ciudad de México", "CDMX", "06500", "MX"
        ),
        "MX",
    ),
    "en-PH": addressee(
        "Maria Cristina D. Santos",
        Address(
            ("Unit 1204, Pearl Tower", "12 Ortigas Avenue, Barangay Ugong"),
            "Pasig City",
            "Metro Manila",
            "1604",
            "PH",
        ),
        "PH",
    ),
}

# Where each letter sits in the life of a delinquent account: days past due and past-due amount.
_DELINQUENCY: dict[LetterCode, tuple[int, int]] = {
    LetterCode.FIRST_REMINDER: (6, PAST_DUE),
    LetterCode.SECOND_REMINDER: (18, PAST_DUE),
    LetterCode.PAST_DUE_NOTICE: (38, 2 * PAST_DUE),
    LetterCode.FINAL_DEMAND: (95, 4 * PAST_DUE),
    LetterCode.VALIDATION_NOTICE: (125, 110000),
    LetterCode.PROMISE_CONFIRMATION: (34, 2 * PAST_DUE),
    LetterCode.BROKEN_PROMISE: (45, 2 * PAST_DUE),
    LetterCode.ARRANGEMENT_CONFIRMATION: (66, 3 * PAST_DUE),
    LetterCode.SETTLEMENT_AGREEMENT: (95, 4 * PAST_DUE),
    LetterCode.SETTLEMENT_VOID: (130, 5 * PAST_DUE),
    LetterCode.DISPUTE_ACKNOWLEDGEMENT: (40, 2 * PAST_DUE),
    LetterCode.CHARGE_OFF_NOTICE: (180, BALANCE),
    LetterCode.PAYMENT_RECEIVED: (0, 0),
    LetterCode.CREDIT_LINE_CHANGE: (35, 2 * PAST_DUE),
    LetterCode.CORRECTED_STATEMENT: (0, 0),  # the sample is a re-age: current after the correction
}


def sample_extra(code: LetterCode, sent_on: date = SENT_ON, locale: str = "en-US") -> dict:
    """The `extra` a letter of this code needs, and nothing more (for the customer's `locale`)."""
    match code:
        case LetterCode.FINAL_DEMAND:
            return {"respond_by": sent_on + timedelta(days=21)}
        case LetterCode.VALIDATION_NOTICE:
            # 120,000 + 4,156 + 2,900 - 3,000 - 600 = 123,456: the itemization adds up to the balance.
            return {
                "original_creditor": ORIGINAL_CREDITOR,
                "current_creditor": CURRENT_CREDITOR,
                "itemization_date": date(2024, 11, 30),
                "amount_on_itemization_date": 120000,
                "interest_since": 4156,
                "fees_since": 2900,
                "payments_since": 3000,
                "credits_since": 600,
                # as the cycle computes it: a debt collector's notice is a US (Reg F) letter
                "validation_end": validation_period_end(sent_on, PROFILES["us_reg_f"]),
            }
        case LetterCode.PROMISE_CONFIRMATION:
            return {"promise_amount": 2 * PAST_DUE, "promise_date": sent_on + timedelta(days=7)}
        case LetterCode.BROKEN_PROMISE:
            return {"promise_amount": 2 * PAST_DUE, "promise_date": sent_on - timedelta(days=3)}
        case LetterCode.ARRANGEMENT_CONFIRMATION:
            return {
                "instalments": [
                    {"due_on": date(2025, 3, 28), "amount": 25000},
                    {"due_on": date(2025, 4, 28), "amount": 25000},
                    {"due_on": date(2025, 5, 28), "amount": 25000},
                ]
            }
        case LetterCode.SETTLEMENT_AGREEMENT:
            return {
                "settlement_amount": 86419,
                "settlement_date": sent_on + timedelta(days=14),
                "forgiven_amount": 37037,
            }
        case LetterCode.SETTLEMENT_VOID:
            return {"settlement_amount": 86419, "settlement_date": sent_on - timedelta(days=4)}
        case LetterCode.DISPUTE_ACKNOWLEDGEMENT:
            return {"dispute_received_on": sent_on - timedelta(days=2)}
        case LetterCode.CHARGE_OFF_NOTICE:
            return {"charged_off_on": sent_on - timedelta(days=1), "dpd": 181}
        case LetterCode.PAYMENT_RECEIVED:
            return {"payment_amount": 50000, "payment_received_on": sent_on - timedelta(days=1)}
        case LetterCode.CORRECTED_STATEMENT:
            english = locale.startswith("en")
            return {
                "adjustment_amount": 2500,
                "direction": "down",
                "reason": "late fee charged in error" if english else "comisión cobrada por error",
                "balance_before": BALANCE + 2500,
                "balance_after": BALANCE,
                "adjusted_on": sent_on - timedelta(days=1),
                "reaged": True,
            }
        case LetterCode.CREDIT_LINE_CHANGE:
            # Adverse action decided on the report (rules/credit_review.yaml, reduce_delinquent_elsewhere:
            # two delinquencies elsewhere, 80% of the line), not on this account's own delinquency: in
            # the US both the ECOA reasons and the FCRA §615(a) notice with the score apply. The
            # bureau gave four key factors and the inquiries one as a fifth (FCRA §609(f)(9)).
            from arrears.domain.adverse_action import disclosed_key_factors, ecoa_agencies
            from arrears.domain.bureau import KeyFactor

            us = locale.endswith("-US")
            factors = [
                KeyFactor(code=code, description=f"code {code}") for code in ("38", "18", "10", "14", "08")
            ]
            return {
                "action": "reduce",
                "old_limit": 500000,
                "new_limit": 400000,
                "effective_on": sent_on,
                "reasons": ["delinquency_elsewhere"],
                # US law only: in Mexico and the Philippines the letter states the change and its reasons
                "ecoa_statement": us,
                "ecoa_agencies": ecoa_agencies(["cfpb"]) if us else [],
                "fcra_disclosure": us,
                "bureau": {
                    "name": "Sandbox Credit Bureau",
                    "phone": "1-800-555-0199",
                    "address": "PO Box 2000, Chester, PA 19016",
                    "website": "www.example.com/credit-report",
                }
                if us
                else None,
                "score": 584 if us else None,
                "score_low": 300 if us else None,
                "score_high": 850 if us else None,
                "scored_on": sent_on - timedelta(days=1) if us else None,
                "key_factors": disclosed_key_factors(factors, "SandboxScore 8") if us else [],
            }
        case _:
            return {}


# The sample balance in its parts, as a Mexican agreement letter states it (CONDUSEF): they add up
# to BALANCE.
SAMPLE_OWED = DebtBreakdown(principal=101234, ordinary_interest=12500, late_interest=6822, fees=2900)


def sample_terms(code: LetterCode, locale: str) -> AgreementTerms | None:
    """A Mexican agreement letter's money, from the sample agreement (`sample_extra`)."""
    if not locale.endswith("-MX"):
        return None
    extra = sample_extra(code, locale=locale)
    if code is LetterCode.SETTLEMENT_AGREEMENT:
        return settlement_terms(SAMPLE_OWED, extra["settlement_amount"], extra["forgiven_amount"])
    if code is LetterCode.ARRANGEMENT_CONFIRMATION:
        return arrangement_terms(SAMPLE_OWED, sum(i["amount"] for i in extra["instalments"]))
    return None


def sample_context(code: LetterCode | str, locale: str) -> LetterContext:
    """A realistic letter of `code` for a customer in `locale` (one of SUPPORTED_LOCALES)."""
    code = LetterCode(code)
    if locale not in CURRENCIES:
        raise ValueError(f"no sample data for locale {locale!r}; supported: {', '.join(SUPPORTED_LOCALES)}")
    dpd, past_due = _DELINQUENCY[code]
    return LetterContext(
        code=code,
        locale=locale,
        sent_on=SENT_ON,
        reference=letter_reference(ACCOUNT_ID, SENT_ON, code),
        account_ref=masked_account(ACCOUNT_ID),
        product_type="open_end",
        currency=CURRENCIES[locale],
        balance=BALANCE,
        past_due=past_due,
        dpd=dpd,
        oldest_unpaid_on=SENT_ON - timedelta(days=dpd) if dpd else None,
        creditor=COLLECTORS.get(locale, CREDITORS[locale])
        if code is LetterCode.VALIDATION_NOTICE
        else CREDITORS[locale],
        addressee=ADDRESSEES[locale],
        # The mini-Miranda in the US samples, as a third-party collector (or a creditor that
        # follows Reg F as policy) would print it; Mexico and the Philippines do not use it.
        debt_collector_disclosure=locale.endswith("-US"),
        extra=sample_extra(code, locale=locale),
        agreement_terms=sample_terms(code, locale),
    )


_INDEX = Environment(autoescape=True, undefined=StrictUndefined).from_string(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Arrears letters: samples</title>
<style>
body { font-family: Georgia, "Times New Roman", serif; max-width: 60em; margin: 2em auto; padding: 0 1em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.8em; text-align: left; }
</style>
</head>
<body>
<h1>Arrears letters: samples</h1>
<p>Every letter in every supported locale, rendered from sample data dated {{ sent_on }}.</p>
<table>
<thead><tr><th>Letter</th>{% for locale in locales %}<th>{{ locale }}</th>{% endfor %}</tr></thead>
<tbody>
{% for code in codes %}
<tr><th>{{ code }}</th>
{% for locale in locales %}<td><a href="{{ locale }}/{{ code }}.html">{{ locale }}</a></td>{% endfor %}
</tr>
{% endfor %}
</tbody>
</table>
</body>
</html>
"""
)


def write_samples(out_dir: Path) -> list[Path]:
    """Render every code in every supported locale into `out_dir`; returns the letters, then the index."""
    out_dir = Path(out_dir)
    written: list[Path] = []
    for locale in SUPPORTED_LOCALES:
        (out_dir / locale).mkdir(parents=True, exist_ok=True)
        for code in LetterCode:
            path = out_dir / locale / f"{code.value}.html"
            path.write_text(render(sample_context(code, locale)), encoding="utf-8")
            written.append(path)
    index = out_dir / "index.html"
    index.write_text(
        _INDEX.render(
            sent_on=SENT_ON.isoformat(),
            locales=SUPPORTED_LOCALES,
            codes=[code.value for code in LetterCode],
        ),
        encoding="utf-8",
    )
    written.append(index)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m arrears_cli.letter_samples",
        description="Render every letter in every supported locale, with an index page.",
    )
    parser.add_argument("out_dir", nargs="?", default="docs/letters", type=Path)
    args = parser.parse_args(argv)
    written = write_samples(args.out_dir)
    print(f"wrote {len(written) - 1} letters and {written[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
