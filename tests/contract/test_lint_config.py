"""The lint configuration's own promises: mypy checks exactly the modules import-linter keeps pure."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_mypy_checks_every_pure_domain_module_and_only_those():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    [pure] = [c for c in contracts if c["name"] == "Domain modules are pure Python"]
    as_files = {f"functions/common/{m.replace('.', '/')}.py" for m in pure["source_modules"]}
    assert set(config["tool"]["mypy"]["files"]) == as_files
    assert all((ROOT / f).is_file() for f in as_files)
