"""A deterministic skip-trace provider: hits with several candidates, no hits, thin files, faults."""

from __future__ import annotations

from datetime import date

from arrears.adapters.sandbox import faults, has_marker, malformed, roll
from arrears.domain.bureau import Purpose, TraceAnswer, validated

# Numbers of each country's fictional ranges (US 555-0100 to 555-0199), valid as numbers go, so a
# collector can verify one in a test as they would a real one.
PHONE_PREFIX = {"US": "+1 520 555 01", "MX": "+52 55 5555 01", "PH": "+63 2 8555 01"}


class SandboxSkipTrace:
    def __init__(self, name: str, position: int) -> None:
        self.name = name
        self.position = position  # later (dearer) providers find more

    def _raw(self, account_id: str, jurisdiction: str) -> dict:
        reference = f"{self.name}-{roll('ref', self.name, account_id):04d}"
        luck = roll("hit", self.name, account_id)
        if malformed(account_id, self.name):
            return {"reference": reference, "outcome": "hit", "candidates": [{"kind": "phone"}]}
        if has_marker(account_id, "THIN"):
            return {"reference": reference, "outcome": "thin_file"}
        finds = not has_marker(account_id, "NOHIT") and (
            (has_marker(account_id, "HIT2") and self.position == 1)
            or (not has_marker(account_id, "HIT2") and luck < 4_500 + 2_000 * self.position)
        )
        if not finds:
            return {"reference": reference, "outcome": "no_hit" if luck % 7 else "thin_file"}
        count = 1 + luck % 3
        prefix = PHONE_PREFIX.get(jurisdiction, "+1 555 01")
        candidates = []
        for i in range(count):
            confidence = round(0.55 + (roll("conf", self.name, account_id, str(i)) % 43) / 100, 2)
            if i % 2 == 0:
                candidates.append(
                    {"kind": "phone", "value": f"{prefix}{(luck + i) % 100:02d}", "confidence": confidence}
                )
            else:
                candidates.append(
                    {
                        "kind": "address",
                        "value": f"{100 + luck % 800} Sandbox St, Unit {i}",
                        "confidence": confidence,
                    }
                )
        if has_marker(account_id, "HIT2") or luck % 5 == 0:
            candidates[0]["confidence"] = 0.93  # a strong match: enough to stop the waterfall
        candidates[0]["last_seen"] = date(2026, 1, 1 + luck % 28).isoformat()
        return {"reference": reference, "outcome": "hit", "candidates": candidates}

    def search(
        self, account_id: str, jurisdiction: str, purpose: Purpose, request_id: str | None = None
    ) -> TraceAnswer:
        faults(self.name, account_id)
        return validated(TraceAnswer, self._raw(account_id, jurisdiction), self.name)
