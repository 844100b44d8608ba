"""The lint configuration's own promises: mypy checks the domain wing, import-linter its wings."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "functions/common/arrears"
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_mypy_checks_the_domain_package():
    assert CONFIG["tool"]["mypy"]["files"] == ["functions/common/arrears/domain"]


def test_every_module_of_the_layer_stands_in_a_wing_the_layers_contract_names():
    [layers] = [c for c in CONFIG["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    wings = set(layers["layers"])
    loose = sorted(p.name for p in LAYER.glob("*.py") if p.name != "__init__.py")
    assert loose == []
    assert {p.name for p in LAYER.iterdir() if p.is_dir() and p.name != "__pycache__"} == wings
