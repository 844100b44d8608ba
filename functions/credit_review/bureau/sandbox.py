"""A deterministic bureau: scores across the range with key factors, thin files, faults."""

from __future__ import annotations

from datetime import date

from arrears.adapters.sandbox import faults, has_marker, malformed, roll
from arrears.domain.bureau import CreditReport, Purpose, validated

BUREAUS = {
    "US": {
        "name": "Sandbox Credit Bureau",
        "phone": "1-800-555-0199",
        "address": "PO Box 2000, Chester, PA 19016",
        "website": "www.example.com/credit-report",
    },
    "MX": {
        "name": "Buró de Crédito de Pruebas",
        "phone": "55 5555 0199",
        "address": "Av. Insurgentes Sur 1000, Ciudad de México",
        "website": "www.example.com/reporte",
    },
    "PH": {
        "name": "Sandbox Credit Information Bureau",
        "phone": "+63 2 8555 0199",
        "address": "Ayala Avenue, Makati City",
        "website": "www.example.com/cic",
    },
}
# Common reason codes, as bureaus word them (the letters print rules/key_factors.yaml's text for each)
INQUIRIES = ("08", "Too many inquiries last 12 months")
FACTORS = (
    ("38", "Serious delinquency, and public record or collection filed"),
    ("18", "Number of accounts with delinquency"),
    ("10", "Proportion of balances to credit limits on revolving accounts is too high"),
    ("14", "Length of time accounts have been established"),
    INQUIRIES,
    ("02", "Level of delinquency on accounts"),
    ("13", "Time since delinquency is too recent or unknown"),
)


class SandboxBureau:
    def __init__(self, name: str) -> None:
        self.name = name

    def _raw(self, account_id: str, jurisdiction: str, as_of: date) -> dict:
        luck = roll("score", self.name, account_id)
        base = {
            "reference": f"{self.name}-{luck:04d}",
            "bureau": BUREAUS.get(jurisdiction, BUREAUS["US"]),
            "scored_on": as_of.isoformat(),
        }
        if malformed(account_id, self.name):
            return {**base, "outcome": "scored", "score": 9_999}
        if has_marker(account_id, "THIN") or luck % 23 == 0:
            return {**base, "outcome": "thin_file"}
        factors = [FACTORS[(luck + i * 3) % len(FACTORS)] for i in range(4)]
        if INQUIRIES not in factors and luck % 2:
            # as bureaus do: inquiries that lowered the score, past the four, come as a fifth factor
            factors.append(INQUIRIES)
        return {
            **base,
            "outcome": "scored",
            "score": 480 + luck % 361,  # 480..840
            "score_model": "SandboxScore 8",
            "key_factors": [{"code": c, "description": d} for c, d in dict(factors).items()],
            "delinquencies_elsewhere": luck % 4,
        }

    def soft_pull(
        self,
        account_id: str,
        jurisdiction: str,
        purpose: Purpose,
        as_of: date,
        request_id: str | None = None,
    ) -> CreditReport:
        faults(self.name, account_id)
        return validated(CreditReport, self._raw(account_id, jurisdiction, as_of), self.name)
