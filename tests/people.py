"""Customers for tests, recorded as an import records them: sealed in the Customers table, with the
account's `reach` kept in step. Values are synthetic; a test that looks for leaks looks for these."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from arrears.domain.contact_values import ContactColumns
from arrears.domain.customer import Customer, Source
from arrears.services import customers
from arrears.store import accounts_repo

NAME = "Rosalind Okonkwo-Vance"
STREET = "4417 Calle Ocotillo"
CITY, REGION, POSTAL = "Tucson", "AZ", "85711"


def give_customer(
    stack,
    account_id: str,
    *,
    on: date = date(2026, 3, 1),
    name: str = NAME,
    street: str | None = STREET,
    email: str | None = None,
    email_consent: bool = True,
    notices_consent: bool = False,
    employer_email: bool = False,
    phone: str | None = None,
    customer_id: str | None = None,
    jurisdiction: str = "US",
) -> Customer:
    """The account's customer (the account must exist); its reach follows."""
    row = {
        "customer_id": customer_id or account_id,
        "name": name,
        "email": email,
        "email_consent": "yes" if email_consent else "no",
        "electronic_notices_consent": "yes" if notices_consent else "no",
        "email_is_employer": "yes" if employer_email else "no",
        "phone": phone,
    }
    if street:
        row |= {"address_line1": street, "city": CITY, "region": REGION, "postal_code": POSTAL}
    columns = ContactColumns.model_validate({k: v for k, v in row.items() if v is not None})
    incoming = columns.customer(account_id, jurisdiction, Source.IMPORT, on)
    assert incoming is not None
    saved = customers.record(stack.personal_data(), incoming, on)
    accounts_repo.apply_with_writes(account_id, lambda a: (replace(a, customer_id=saved.customer_id), []))
    customers.refresh_reach(saved)
    return saved
