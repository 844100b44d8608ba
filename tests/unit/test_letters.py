"""Letters: every code renders in every locale, amounts and dates follow the locale, the rules' text
appears exactly when it must, and a template never prints a blank for a missing variable."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from typing import get_args

import pytest
from arrears.domain.bureau import CreditReport
from arrears.domain.customer import Address
from arrears.domain.letters import (
    SUPPORTED_LOCALES,
    TEMPLATE_ROOT,
    Addressee,
    Creditor,
    LetterCode,
    addressee,
    available,
    language_of,
    mask_personal,
    render,
)
from credit_review.decision import Decision, ReasonCode, notice
from jinja2 import UndefinedError

from arrears_cli.letter_samples import sample_context, write_samples

ALL = [(code, locale) for code in LetterCode for locale in SUPPORTED_LOCALES]

# The `extra` keys each letter is documented to use; the sample data must carry exactly these.
EXTRA_KEYS = {
    LetterCode.FIRST_REMINDER: set(),
    LetterCode.SECOND_REMINDER: set(),
    LetterCode.PAST_DUE_NOTICE: set(),
    LetterCode.FINAL_DEMAND: {"respond_by"},
    LetterCode.VALIDATION_NOTICE: {
        "original_creditor",
        "current_creditor",
        "itemization_date",
        "amount_on_itemization_date",
        "interest_since",
        "fees_since",
        "payments_since",
        "credits_since",
        "validation_end",
    },
    LetterCode.PROMISE_CONFIRMATION: {"promise_amount", "promise_date"},
    LetterCode.BROKEN_PROMISE: {"promise_amount", "promise_date"},
    LetterCode.ARRANGEMENT_CONFIRMATION: {"instalments"},
    LetterCode.DISPUTE_ACKNOWLEDGEMENT: {"dispute_received_on"},
    LetterCode.CHARGE_OFF_NOTICE: {"charged_off_on", "dpd"},
    LetterCode.SETTLEMENT_AGREEMENT: {"settlement_amount", "settlement_date", "forgiven_amount"},
    LetterCode.SETTLEMENT_VOID: {"settlement_amount", "settlement_date"},
    LetterCode.PAYMENT_RECEIVED: {"payment_amount", "payment_received_on"},
    LetterCode.CORRECTED_STATEMENT: {
        "adjustment_amount",
        "direction",
        "reason",
        "balance_before",
        "balance_after",
        "adjusted_on",
        "reaged",
    },
    LetterCode.CREDIT_LINE_CHANGE: {
        "action",
        "old_limit",
        "new_limit",
        "effective_on",
        "reasons",
        "ecoa_statement",
        "ecoa_agencies",
        "fcra_disclosure",
        "bureau",
        "score",
        "score_low",
        "score_high",
        "scored_on",
        "key_factors",
    },
}

DATE_KEYS = {
    "respond_by",
    "itemization_date",
    "validation_end",
    "promise_date",
    "dispute_received_on",
    "charged_off_on",
    "settlement_date",
    "payment_received_on",
    "adjusted_on",
}

DISCLOSURE = {
    "en": "This communication is from a debt collector. This is an attempt to collect a debt and any "
    "information obtained will be used for that purpose.",
    "es": "Esta comunicación proviene de un cobrador de deudas.",
}


def text_of(html: str) -> str:
    """The visible text of a page, whitespace collapsed, entities decoded."""

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag, attrs):
            self.skip += tag in ("style", "title")

        def handle_endtag(self, tag):
            self.skip -= tag in ("style", "title")

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts).replace("\xa0", " ")).strip()


@pytest.mark.parametrize("code,locale", ALL)
def test_every_code_renders_as_a_self_contained_page_in_every_locale(code, locale):
    context = sample_context(code, locale)
    html = render(context)
    assert html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{language_of(locale)}">' in html
    assert "@page" in html and "size: letter" in html
    for external in ("<script", "<link", "src=", "http://", "https://", "@import", "url("):
        assert external not in html, external
    text = text_of(html)
    assert context.reference in text and context.account_ref in text
    assert context.creditor.name in text and context.creditor.phone in text
    assert "{{" not in html and "{%" not in html


@pytest.mark.parametrize("code", list(LetterCode))
def test_the_sample_data_carries_exactly_the_documented_extra_keys(code):
    for locale in SUPPORTED_LOCALES:
        assert set(sample_context(code, locale).extra) == EXTRA_KEYS[code]


@pytest.mark.parametrize(
    "locale,amount,words",
    [
        ("en-US", "$1,234.56", ["Past-due amount", "Total balance"]),
        ("es-US", "$1,234.56", ["Saldo vencido", "Saldo total"]),
        ("es-MX", "$1,234.56", ["Saldo vencido", "Saldo total", "fecha límite de pago"]),
        ("en-PH", "₱1,234.56", ["Past-due amount", "Total balance"]),
    ],
)
def test_amounts_are_formatted_for_the_locale_among_words_of_its_language(locale, amount, words):
    context = sample_context(LetterCode.FIRST_REMINDER, locale)
    assert context.balance == 123456
    text = text_of(render(context))
    assert amount in text
    for word in words:
        assert word.lower() in text.lower()
    if locale.startswith("es"):
        assert "Past-due" not in text and "Dear Customer" not in text
    else:
        assert "saldo vencido" not in text.lower()


def test_amounts_use_the_letters_currency_not_a_default():
    context = replace(sample_context(LetterCode.FIRST_REMINDER, "en-US"), currency="EUR")
    assert "€1,234.56" in text_of(render(context))


@pytest.mark.parametrize(
    "locale,sent,promised",
    [
        ("en-US", "March 14, 2025", "March 21, 2025"),
        ("en-PH", "March 14, 2025", "March 21, 2025"),
        ("es-MX", "14 de marzo de 2025", "21 de marzo de 2025"),
        ("es-US", "14 de marzo de 2025", "21 de marzo de 2025"),
    ],
)
def test_dates_are_long_form_in_the_letters_language(locale, sent, promised):
    context = sample_context(LetterCode.PROMISE_CONFIRMATION, locale)
    assert context.extra["promise_date"] == date(2025, 3, 21)
    text = text_of(render(context))
    assert sent in text and promised in text
    assert "2025-03-21" not in text


def test_dates_in_extra_may_arrive_as_iso_strings():
    context = sample_context(LetterCode.PROMISE_CONFIRMATION, "es-MX")
    context = replace(context, extra={**context.extra, "promise_date": "2025-04-02"})
    assert "2 de abril de 2025" in text_of(render(context))


@pytest.mark.parametrize("code,locale", ALL)
def test_the_debt_collector_disclosure_appears_if_and_only_if_asked(code, locale):
    context = sample_context(code, locale)
    phrase = DISCLOSURE[language_of(locale)]
    assert phrase in text_of(render(replace(context, debt_collector_disclosure=True)))
    assert phrase not in text_of(render(replace(context, debt_collector_disclosure=False)))
    assert "cobrador de deudas" not in text_of(render(replace(context, debt_collector_disclosure=False)))


@pytest.mark.parametrize("code", list(LetterCode))
def test_condusef_is_named_in_mexican_letters_only(code):
    assert "www.condusef.gob.mx" in text_of(render(sample_context(code, "es-MX")))
    assert "55 5340 0999" in text_of(render(sample_context(code, "es-MX")))
    for locale in ("es-US", "en-US", "en-PH"):
        assert "CONDUSEF" not in render(sample_context(code, locale))


def test_a_missing_extra_variable_fails_rendering():
    context = sample_context(LetterCode.PROMISE_CONFIRMATION, "en-US")
    extra = {k: v for k, v in context.extra.items() if k != "promise_amount"}
    with pytest.raises(UndefinedError):
        render(replace(context, extra=extra))


@pytest.mark.parametrize(
    "code,key,locale",
    [
        (code, key, locale)
        for code, keys in EXTRA_KEYS.items()
        for key in sorted(keys)
        for locale in ("en-US", "es-MX")
    ],
)
def test_every_documented_extra_key_is_required(code, key, locale):
    context = sample_context(code, locale)
    extra = {k: v for k, v in context.extra.items() if k != key}
    with pytest.raises(UndefinedError):  # never a letter with a blank where the value goes
        render(replace(context, extra=extra))


def test_an_instalment_without_an_amount_fails_rendering():
    context = sample_context(LetterCode.ARRANGEMENT_CONFIRMATION, "en-US")
    instalments = [{"due_on": date(2025, 3, 28)}]
    with pytest.raises(UndefinedError):
        render(replace(context, extra={"instalments": instalments}))


@pytest.mark.parametrize("locale", ["en-US", "es-MX"])
def test_html_in_the_data_is_escaped(locale):
    context = sample_context(LetterCode.FIRST_REMINDER, locale)
    creditor = Creditor(
        name='<script>alert("x")</script> Bank & Co',
        phone="<b>1</b>",
        hours=context.creditor.hours,
        address="<img src=x onerror=alert(1)>",
        website="www.example.com",
    )
    html = render(replace(context, creditor=creditor, reference="<i>R</i>"))
    assert "<script>" not in html and "<img" not in html and "<b>1</b>" not in html and "<i>R</i>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Bank &amp; Co" in html
    assert '<script>alert("x")</script> Bank & Co' in text_of(html)


def test_each_language_has_a_template_for_every_letter_code():
    codes = {code.value for code in LetterCode}
    assert available() == {"en": codes, "es": codes}


def test_a_missing_oldest_unpaid_date_is_left_out_not_blank():
    for code in (
        LetterCode.FIRST_REMINDER,
        LetterCode.SECOND_REMINDER,
        LetterCode.PAST_DUE_NOTICE,
        LetterCode.FINAL_DEMAND,
        LetterCode.CHARGE_OFF_NOTICE,
    ):
        for locale in ("en-US", "es-MX"):
            context = replace(sample_context(code, locale), oldest_unpaid_on=None)
            text = text_of(render(context))
            assert "None" not in text
            assert "Oldest unpaid" not in text and "más antigua" not in text


@pytest.mark.parametrize(
    "locale,sentences",
    [
        (
            "en-US",
            (
                "Arrears Recovery Services, LLC is a debt collector. We are trying to collect a debt that "
                "you owe to Arrears Receivables Trust I. We will use any information you give us",
                "Our information shows: You had a line of credit from Arrears Card Services with account "
                "number •••• 0042.",
                "As of November 30, 2024, you owed:",
                "Between November 30, 2024 and today:",
                "You were charged this amount in interest:",
                "You were charged this amount in fees:",
                "You paid or were credited this amount toward the debt:",
                "Total amount of the debt now:",
                "How can you dispute the debt?",
                "What else can you do?",
                "How do you want to respond?",
                "Check all that apply:",
                "I enclosed this amount:",
                "Make your check payable to Arrears Recovery Services, LLC. Include the reference number",
            ),
        ),
        (
            "es-US",
            (
                "Arrears Recovery Services, LLC es un cobrador de deudas. Estamos tratando de cobrar una "
                "deuda que usted le debe a Arrears Receivables Trust I.",
                "Nuestra información indica: Usted tenía una línea de crédito de Arrears Card Services con "
                "el número de cuenta •••• 0042.",
                "Al 30 de noviembre de 2024, usted debía:",
                "Entre el 30 de noviembre de 2024 y hoy:",
                "Usted pagó o se le acreditó esta cantidad a la deuda:",
                "Monto total de la deuda ahora:",
                "¿Cómo puede disputar la deuda",
                "¿Qué más puede hacer?",
                "¿Cómo desea responder?",
                "Marque todas las opciones que correspondan:",
                "Adjunto esta cantidad:",
                "Haga su cheque pagadero a Arrears Recovery Services, LLC. Incluya el número de referencia",
            ),
        ),
    ],
)
def test_the_validation_notice_names_both_creditors_in_the_order_of_the_cfpb_model_form(locale, sentences):
    """Reg F §1006.34(c)(2)(iii), (v) and appendix B, form B-1: the collector, the creditor owed now,
    the creditor on the itemization date with the account, the itemization, the rights, and the
    response form last of all, after the letter's footer."""
    html = render(sample_context(LetterCode.VALIDATION_NOTICE, locale))
    text = text_of(html)
    where = [text.find(sentence) for sentence in sentences]
    assert -1 not in where, [s for s, at in zip(sentences, where, strict=True) if at == -1]
    assert where == sorted(where)
    assert html.rindex("</footer>") < html.index('class="box response"')
    last = text_of(html[html.index('class="box response"') :])
    reference = sample_context(LetterCode.VALIDATION_NOTICE, locale).reference
    assert last.endswith(f"{reference}.")  # nothing of the letter follows the form


def test_the_validation_notice_itemizes_the_debt_and_states_the_dispute_rights():
    context = sample_context(LetterCode.VALIDATION_NOTICE, "en-US")
    text = text_of(render(context))
    for phrase in (
        "As of November 30, 2024, you owed: $1,200.00",
        "interest: + $41.56",
        "fees: + $29.00",
        "You paid or were credited this amount toward the debt: – $36.00",  # 30.00 paid, 6.00 credited
        "Total amount of the debt now: $1,234.56",
        "Call or write to us by April 20, 2025 to dispute all or part of the debt",  # validation_period_end
        "we must stop collection on any amount you dispute until we send you information",
        "name and address of the original creditor",
        "www.cfpb.gov/debt-collection",
    ):
        assert phrase in text, phrase
    spanish = text_of(render(sample_context(LetterCode.VALIDATION_NOTICE, "es-US")))
    assert "Llámenos o escríbanos a más tardar el 20 de abril de 2025" in spanish
    assert "debemos suspender la cobranza" in spanish
    assert "cfpb.gov" not in text_of(render(sample_context(LetterCode.VALIDATION_NOTICE, "es-MX")))


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_arrangement_lists_every_instalment_and_the_total(locale):
    context = sample_context(LetterCode.ARRANGEMENT_CONFIRMATION, locale)
    instalments = [
        {"due_on": date(2025, 4, 1), "amount": 10000},
        {"due_on": date(2025, 5, 1), "amount": 20050},
    ]
    html = render(replace(context, extra={"instalments": instalments}))
    rows = re.findall(r"<tbody>(.*?)</tbody>", html, re.S)[0]
    assert rows.count("<tr>") == 2
    text = text_of(html)
    symbol = "₱" if locale == "en-PH" else "$"
    for amount in (f"{symbol}100.00", f"{symbol}200.50", f"{symbol}300.50"):
        assert amount in text


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_payment_received_says_current_again_only_when_nothing_is_past_due(locale):
    context = sample_context(LetterCode.PAYMENT_RECEIVED, locale)
    current = "nuevamente al corriente" if locale.startswith("es") else "Your account is current again"
    cleared = text_of(render(replace(context, past_due=0, dpd=0)))
    still_due = text_of(render(replace(context, past_due=1000, dpd=12)))
    assert current in cleared and current not in still_due
    assert "$500.00" in cleared or "₱500.00" in cleared


@pytest.mark.parametrize("locale", ["en-US", "es-MX"])
def test_the_dispute_acknowledgement_pauses_collection_of_the_disputed_amount(locale):
    text = text_of(render(sample_context(LetterCode.DISPUTE_ACKNOWLEDGEMENT, locale)))
    expected = (
        "suspendido la cobranza del monto en aclaración"
        if locale == "es-MX"
        else ("paused collection of the disputed amount until we send you verification")
    )
    assert expected in text
    assert ("12 de marzo de 2025" if locale == "es-MX" else "March 12, 2025") in text


@pytest.mark.parametrize("locale", ["en-US", "es-MX"])
def test_the_charge_off_notice_says_the_balance_is_still_owed(locale):
    text = text_of(render(sample_context(LetterCode.CHARGE_OFF_NOTICE, locale)))
    assert ("No cancela la deuda" if locale == "es-MX" else "does not cancel the debt") in text
    assert "$1,234.56" in text


def test_the_sample_writer_writes_one_file_per_code_per_locale_and_an_index_linking_them(tmp_path):
    written = write_samples(tmp_path / "letters")
    out = tmp_path / "letters"
    letters = [p for p in written if p.name != "index.html"]
    assert len(letters) == len(LetterCode) * len(SUPPORTED_LOCALES)
    assert written[-1] == out / "index.html"
    expected = {out / locale / f"{code.value}.html" for code in LetterCode for locale in SUPPORTED_LOCALES}
    assert set(letters) == expected
    assert {p for p in out.rglob("*.html")} == expected | {out / "index.html"}
    for path in letters:
        html = path.read_text(encoding="utf-8")
        assert f'<html lang="{language_of(path.parent.name)}">' in html

    index = (out / "index.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="([^"]+)"', index))
    assert links == {f"{locale}/{code.value}.html" for code in LetterCode for locale in SUPPORTED_LOCALES}
    for link in links:
        assert (out / link).is_file()


US_LOCALES = [locale for locale in SUPPORTED_LOCALES if locale.endswith("-US")]
ECOA = {"en": "Equal Credit Opportunity Act", "es": "Igualdad de Oportunidades de Crédito"}
FCRA = {
    "en": "based in whole or in part on information in a report",
    "es": "total o parcialmente en información",
}
NOT_ADVERSE = {  # a change no US notice applies to: delinquency-based, an increase, or outside the US
    "ecoa_statement": False, "ecoa_agencies": [], "fcra_disclosure": False, "bureau": None, "score": None,
    "score_low": None, "score_high": None, "scored_on": None, "key_factors": [],
}  # fmt: skip


def _credit_line(locale: str, **changes) -> str:
    context = sample_context(LetterCode.CREDIT_LINE_CHANGE, locale)
    return text_of(render(replace(context, extra={**context.extra, **changes})))


def _no_adverse_action_text(text: str) -> None:
    for phrase in (
        *ECOA.values(),
        *FCRA.values(),
        "Consumer Financial Protection Bureau",
        "principal reasons",
        "motivos principales",
        "credit score",
        "puntaje de crédito",
        "free copy",
        "copia de su reporte",
        "60 days",
        "60 días",
        "Sandbox Credit Bureau",
    ):
        assert phrase not in text, phrase


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_credit_line_sample_says_what_changed_and_from_when_in_the_letters_language(locale):
    text = text_of(render(sample_context(LetterCode.CREDIT_LINE_CHANGE, locale)))
    symbol = "₱" if locale == "en-PH" else "$"
    assert f"{symbol}5,000.00" in text and f"{symbol}4,000.00" in text
    if locale.startswith("es"):
        assert "redujimos su límite de crédito" in text and "14 de marzo de 2025" in text
        assert "pagos atrasados en otras cuentas" in text
        assert "reduced" not in text and "Dear Customer" not in text
    else:
        assert "reduced your credit line" in text and "March 14, 2025" in text
        assert "late payments on other accounts" in text


@pytest.mark.parametrize("locale", US_LOCALES)
def test_an_adverse_change_decided_on_the_report_shows_the_score_the_bureau_and_every_key_factor(locale):
    context = sample_context(LetterCode.CREDIT_LINE_CHANGE, locale)
    extra = context.extra
    assert extra["ecoa_statement"] and extra["fcra_disclosure"]
    text = text_of(render(context))

    assert "584" in text and "300" in text and "850" in text
    assert ("March 13, 2025" if locale == "en-US" else "13 de marzo de 2025") in text  # the score's date
    for detail in ("name", "address", "phone", "website"):
        assert extra["bureau"][detail] in text, detail
    language = language_of(locale)
    assert all(factor[language] in text for factor in extra["key_factors"])
    assert len(extra["key_factors"]) == 5  # the sample's fifth is the inquiries factor (§609(f)(9))
    assert ECOA[language] in text and FCRA[language] in text
    assert "1700 G Street NW, Washington, DC 20552" in text
    if language == "es":
        assert "motivos principales" in text and "copia de su reporte" in text and "buró de crédito" in text
    else:
        assert "principal reasons" in text and "free copy" in text and "60 days" in text
        assert "did not make this decision and is unable to tell you why" in text
        assert "dispute" in text and "accuracy or completeness" in text


@pytest.mark.parametrize("locale", ["es-MX", "en-PH"])
def test_outside_the_us_the_letter_states_the_change_and_its_reasons_without_us_notices(locale):
    text = text_of(render(sample_context(LetterCode.CREDIT_LINE_CHANGE, locale)))

    assert (
        "pagos atrasados en otras cuentas" if locale == "es-MX" else "late payments on other accounts"
    ) in text
    _no_adverse_action_text(text)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_a_reduction_for_delinquency_claims_neither_the_ecoa_nor_the_fcra_notice(locale):
    text = _credit_line(locale, reasons=["delinquent_with_us"], **NOT_ADVERSE)

    assert ("saldo vencido" if locale.startswith("es") else "past due") in text
    _no_adverse_action_text(text)


@pytest.mark.parametrize("locale", US_LOCALES)
def test_spanish_letters_print_each_key_factor_translated_by_its_code_never_the_bureaus_english(locale):
    context = sample_context(LetterCode.CREDIT_LINE_CHANGE, locale)
    text = text_of(render(context))

    other = "en" if locale.startswith("es") else "es"
    for factor in context.extra["key_factors"]:
        assert factor[language_of(locale)] in text and factor[other] not in text
    if locale == "es-US":
        assert "Demasiadas consultas en los últimos 12 meses" in text
        assert "Too many inquiries" not in text and "Serious delinquency" not in text


@pytest.mark.parametrize("locale", US_LOCALES)
@pytest.mark.parametrize("agencies", [["occ"], ["fdic"], ["ncua"], ["frb"], ["ftc"], ["cfpb", "ftc"]])
def test_the_ecoa_statement_names_the_creditors_own_agency(locale, agencies):
    from arrears.domain.adverse_action import ECOA_AGENCIES, ecoa_agencies

    text = _credit_line(locale, ecoa_agencies=ecoa_agencies(agencies))

    language = language_of(locale)
    for code in agencies:
        assert f"{getattr(ECOA_AGENCIES[code], language)}, {ECOA_AGENCIES[code].address}" in text
    if "cfpb" not in agencies:
        assert "1700 G Street" not in text and "Consumer Financial Protection Bureau" not in text
    if len(agencies) > 1:
        assert ("agencias federales" if language == "es" else "federal agencies that administer") in text


@pytest.mark.parametrize("locale", US_LOCALES)
def test_an_ecoa_statement_without_the_creditors_agency_fails_rendering(locale):
    with pytest.raises(UndefinedError):
        _credit_line(locale, ecoa_agencies=[])


@pytest.mark.parametrize("locale", US_LOCALES)
def test_delinquency_and_a_low_score_give_the_fcra_notice_but_not_the_ecoa_statement(locale):
    reasons = ["delinquent_with_us", "collection_or_public_record"]
    text = _credit_line(locale, action="freeze", reasons=reasons)
    text_without_ecoa = _credit_line(
        locale, action="freeze", reasons=reasons, ecoa_statement=False, ecoa_agencies=[]
    )

    language = language_of(locale)
    assert ECOA[language] in text
    assert (
        ECOA[language] not in text_without_ecoa
        and "Consumer Financial Protection Bureau" not in text_without_ecoa
    )
    assert FCRA[language] in text_without_ecoa and "584" in text_without_ecoa
    assert (
        "se suspenden las compras" if language == "es" else "new purchases and cash advances are suspended"
    ) in text


@pytest.mark.parametrize("locale", US_LOCALES)
def test_a_thin_file_gives_the_fcra_notice_without_a_score(locale):
    text = _credit_line(
        locale, reasons=["insufficient_credit_history"], score=None, score_low=None, score_high=None,
        scored_on=None, key_factors=[],
    )  # fmt: skip

    assert FCRA[language_of(locale)] in text and "Sandbox Credit Bureau" in text
    assert "584" not in text and "Key factors" not in text and "Factores clave" not in text


@pytest.mark.parametrize("locale", ["en-US", "es-MX"])
def test_an_increase_shows_the_new_limit_and_no_adverse_action_text(locale):
    text = _credit_line(
        locale, action="extend", old_limit=500000, new_limit=600000, reasons=[], **NOT_ADVERSE
    )

    assert ("aumentamos su límite de crédito" if locale == "es-MX" else "increased your credit line") in text
    assert "$5,000.00" in text and "$6,000.00" in text
    assert "Why we made this change" not in text and "Por qué hicimos este cambio" not in text
    _no_adverse_action_text(text)


@pytest.mark.parametrize("locale", ["en-US", "es-US"])
def test_a_closed_line_says_it_is_closed_and_the_balance_is_still_owed(locale):
    text = _credit_line(locale, action="close", new_limit=0, reasons=["delinquent_with_us"], **NOT_ADVERSE)

    if locale == "es-US":
        assert "cancelamos su línea de crédito" in text and "sigue pendiente" in text
    else:
        assert "closed your credit line" in text and "You still owe the balance of $1,234.56" in text


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_reason_code_reads_as_a_sentence_and_an_unknown_one_fails_rendering(locale):
    codes = get_args(ReasonCode)  # every reason a decision can give, the rule's own and the score's
    sentences = set()
    for code in codes:
        context = sample_context(LetterCode.CREDIT_LINE_CHANGE, locale)
        html = render(replace(context, extra={**context.extra, "reasons": [code]}))
        reason = re.search(r"</p>\s*<ul>\s*<li>(.*?)</li>", html).group(1)
        assert code not in html and reason.endswith(".") and len(reason.split()) >= 6
        sentences.add(reason)
    assert len(sentences) == len(codes)
    for refused in ("not_a_reason", "score_below_threshold"):  # a cutoff missed is no reason (Reg B)
        with pytest.raises(UndefinedError):
            _credit_line(locale, reasons=[refused])


@pytest.mark.parametrize("locale", ["en-US", "es-US"])
def test_the_letter_renders_what_the_credit_review_sends(locale):
    """The `extra` built by credit_review.decision.notice (dates as ISO strings) fits the templates."""
    codes = ("10", "14", "18", "02", "08")  # the bureau's, in its order
    report = CreditReport.model_validate(
        {
            "reference": "r-1",
            "bureau": {
                "name": "Bureau One", "phone": "1-800-555-0100", "address": "PO Box 1\nCity, ST",
                "website": "www.b.example",
            },
            "outcome": "scored",
            "score": 560,
            "score_model": "SandboxScore 8",
            "scored_on": "2025-03-13",
            "key_factors": [{"code": c, "description": f"bureau {c}"} for c in codes],
            "delinquencies_elsewhere": 0,
        }
    )  # fmt: skip
    decided = Decision(
        action="reduce", rule="reduce_low_score", rules_version=2, old_limit=500000, new_limit=350000,
        freeze=False, reasons=("high_utilization", "short_credit_history"), used_report=True,
        delinquency_based=False, ecoa_statement=True, fcra_disclosure=True,
    )  # fmt: skip
    letter = notice(decided, report, date(2025, 3, 14), ("fdic",))
    context = replace(sample_context(letter.code, locale), extra=dict(letter.extra))
    text = text_of(render(context))

    assert "560" in text and "PO Box 1, City, ST" in text
    assert all(f"bureau {c}" not in text for c in codes)  # the table's text, in the letter's language
    assert ("Demasiadas consultas" if locale == "es-US" else "Too many inquiries") in text  # the fifth
    assert "1100 Walnut Street, Box #11, Kansas City, MO 64106" in text
    assert ("14 de marzo de 2025" if locale == "es-US" else "March 14, 2025") in text


@pytest.mark.parametrize("locale", ["en-US", "es-MX"])
def test_an_action_the_letter_does_not_know_fails_rendering(locale):
    with pytest.raises(UndefinedError):
        _credit_line(locale, action="keep")


CLAIMS_OF_EARLIER_LETTERS = (
    "several times",
    "earlier reminders",
    "varias ocasiones",
    "recordatorios anteriores",
)


@pytest.mark.parametrize("code", list(LetterCode))
def test_no_letter_claims_earlier_letters_it_cannot_know_were_sent(code):
    """An account placed late gets its first letter at a late step: no letter may say we wrote before."""
    for locale in SUPPORTED_LOCALES:
        html = render(sample_context(code, locale)).lower()
        assert not [claim for claim in CLAIMS_OF_EARLIER_LETTERS if claim in html], (code, locale)


# ---------------------------------------------------------------- the addressee


def _window(html: str) -> str:
    """The text in the envelope window: the addressee block at the top left of the first page."""
    found = re.search(r'<address class="window"[^>]*>(.*?)</address>', html, re.S)
    assert found, "no addressee block"
    return text_of(found.group(1))


@pytest.mark.parametrize("code,locale", ALL)
def test_every_letter_names_its_addressee_in_the_window_and_greets_them_by_name(code, locale):
    context = sample_context(code, locale)
    html = render(context)
    to = context.addressee
    assert _window(html) == " ".join((to.name, *to.window))
    # the window block comes first in the page, before anything the letter says
    assert html.index('<address class="window"') < html.index("<main>")
    greeting = f"Dear {to.name}," if locale.startswith("en") else f"Estimado(a) {to.name}:"
    assert greeting in text_of(html).replace(f"{to.name} ", to.name)  # the name is a span of its own
    assert "Dear Customer" not in html and "Estimado(a) cliente" not in html


@pytest.mark.parametrize(
    "locale,lines",
    [
        ("en-US", ["Jordan A. Whitfield", "1428 Elm Street", "Apt 3B", "Springfield, IL 62704"]),
        ("es-US", ["María Elena Castillo Ruiz", "2210 W Cermak Rd", "Chicago, IL 60608"]),
        ("es-MX", ["José Luis Hernández Ramírez", "Calle Río Lerma 118, int. 4", "Col. Cuauhtémoc",
                   "06500 Ciudad de México, CDMX"]),
        ("en-PH", ["Maria Cristina D. Santos", "Unit 1204, Pearl Tower", "12 Ortigas Avenue, Barangay Ugong",
                   "1604 Pasig City, Metro Manila"]),
    ],
)  # fmt: skip
def test_the_window_prints_the_address_as_the_countrys_post_reads_it(locale, lines):
    html = render(sample_context(LetterCode.FIRST_REMINDER, locale))
    block = re.search(r'<address class="window"[^>]*>(.*?)</address>', html, re.S).group(1)
    assert [text_of(part) for part in block.split("<br>")] == lines  # one line each, no country at home


def test_mail_abroad_ends_with_the_country_in_capitals():
    to = addressee("Ana Ruiz", Address(("Av. Juárez 10",), "Guadalajara", "Jal.", "44100", "MX"), "US")
    assert to.window == ("Av. Juárez 10", "44100 Guadalajara, Jal.", "MEXICO")
    assert addressee("Ana Ruiz", None, "US") == Addressee("Ana Ruiz")  # an email to someone without one


def test_the_window_block_sits_where_a_number_10_window_envelope_shows_it():
    css = (TEMPLATE_ROOT / "_print.css").read_text()
    window = re.search(r"address\.window \{(.*?)\}", css, re.S).group(1)
    rule = dict((k.strip(), v.strip()) for k, v in (d.split(":") for d in window.split(";") if ":" in d))
    page = re.search(r"@page \{ size: letter; margin: ([\d.]+)in ([\d.]+)in", css)
    top_margin, left_margin = float(page.group(1)), float(page.group(2))
    top = top_margin + float(rule["top"].removesuffix("in"))
    left = left_margin + float(rule["left"].removesuffix("in"))
    bottom = top + float(rule["height"].removesuffix("in"))
    right = left + float(rule["width"].removesuffix("in"))
    # the window shows 2.04-3.17 in from the top of a tri-folded page, 7/8-4 7/8 in from its left
    assert top >= 2.04 and bottom <= 3.17 and left >= 0.875 and right <= 4.875
    assert rule["position"] == "absolute" and rule["overflow"] == "hidden"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_validation_notice_has_the_consumers_name_and_address_in_its_header_and_response_form(locale):
    context = sample_context(LetterCode.VALIDATION_NOTICE, locale)
    html = render(context)
    to = " ".join((context.addressee.name, *context.addressee.window))
    header = html[html.index("<header") : html.index("</header>")]
    form = html[html.index('class="box response"') :]
    assert to in text_of(header)  # §1006.34(c)(2)(ii): name and mailing address
    assert to in text_of(form)  # and in the tear-off form the consumer mails back
    assert context.creditor.name in text_of(form) and context.reference in text_of(form)


@pytest.mark.parametrize("code,locale", ALL)
def test_a_masked_letter_keeps_no_personal_value(code, locale):
    context = sample_context(code, locale)
    masked, count = mask_personal(render(context))
    assert count >= 2 + len(context.addressee.window)  # window and greeting, at least
    for value in (context.addressee.name, *context.addressee.window):
        assert value not in masked and value not in text_of(masked)
    assert context.creditor.name in text_of(masked) and context.reference in text_of(masked)


def test_personal_values_that_look_like_markup_stay_text_and_are_still_masked():
    context = replace(
        sample_context(LetterCode.FIRST_REMINDER, "en-US"),
        addressee=Addressee('<span data-personal>x</span> O"Neil & Sons', ("<b>1 Main St</b>",)),
    )
    html = render(context)
    assert "<b>1 Main St</b>" not in html and "&lt;b&gt;1 Main St&lt;/b&gt;" in html
    masked, _ = mask_personal(html)
    assert "Neil" not in masked and "Main St" not in masked
