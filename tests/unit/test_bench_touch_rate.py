"""The bench's per-portfolio cost uses the touch rate a simulation measured, leaving out the import day."""

import json
from decimal import Decimal

from bench.run import measured_touch_rate


def test_touch_rate_is_mean_evaluated_per_day_after_the_import_day(tmp_path):
    path = tmp_path / "summary.json"
    days = [{"evaluated_accounts": 1000}, {"evaluated_accounts": 30}, {"evaluated_accounts": 50}]
    path.write_text(json.dumps({"accounts": 1000, "per_day": days}))
    assert measured_touch_rate(path) == Decimal("0.0400")


def test_no_simulation_means_no_measurement(tmp_path):
    assert measured_touch_rate(tmp_path / "missing.json") is None
