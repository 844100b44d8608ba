"""The layer build (functions/common/Makefile + build_layer.py): Babel's locale data is cut to the
languages we write letters in, and what is left formats money, dates and whole letters exactly as
the full data does; the runtime's own SDK is not shipped again; our package and its data are.

The fast tests prune a link-copy of this environment's Babel; the slow one runs the real make
target (pip, for this machine's platform so the result can be imported) with Python 3.12. Its folder
(`bundle`: pytest never collects a folder named `build`) sorts first, so that test starts with the
suite instead of being one worker's last.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import babel
import build_layer
import pytest
from arrears.domain.letters import SUPPORTED_LOCALES, LetterCode, render
from arrears.domain.money import Money
from babel.dates import format_date

from arrears_cli.letter_samples import sample_context

ROOT = Path(__file__).resolve().parents[2]
COMMON = ROOT / "functions" / "common"
CURRENCIES = ("USD", "MXN", "PHP", "JPY", "KWD", "EUR")
# Locales import accepts (a language we have letters in) beyond the four we sample letters for.
OTHER_ACCEPTED = ("en-GB", "en-CA", "es-ES", "es-AR")

# What a locale's formatting draws on, per Babel: the locale, its CLDR parents, root.
CHAINS = {
    "en_US": ["en_US", "en", "root"],
    "en_PH": ["en_PH", "en_001", "en", "root"],
    "es_MX": ["es_MX", "es_419", "es", "root"],
    "es_US": ["es_US", "es_419", "es", "root"],
}

# Runs in a fresh interpreter whose first path entry is the pruned layer: everything a letter shows.
PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from datetime import date
import babel
from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date
from arrears.domain.letters import LetterCode, render
from arrears.domain.money import Money
from arrears_cli.letter_samples import sample_context
locales, currencies, sampled = (json.loads(a) for a in sys.argv[2:5])
try:
    Locale.parse("fr_FR")
    french = "formatted"
except UnknownLocaleError:
    french = "unknown"
print(json.dumps({
    "babel": babel.__file__,
    "french": french,
    "formatted": {l: [Money(123456789, c).format(l) for c in currencies]
                  + [format_date(date(2026, 3, 1), format="long", locale=l.replace("-", "_"))]
                  for l in locales},
    "letters": {f"{c}/{l}": render(sample_context(c, l)) for c in LetterCode for l in sampled},
}))
"""


def formatted(locale: str) -> list[str]:
    amounts = [Money(123456789, c).format(locale) for c in CURRENCIES]
    return [*amounts, format_date(date(2026, 3, 1), format="long", locale=locale.replace("-", "_"))]


@pytest.fixture(scope="module")
def pruned(tmp_path_factory) -> dict:
    """This environment's Babel, linked file by file into a layer folder, then pruned as the build does."""
    layer = tmp_path_factory.mktemp("layer") / "python"
    shutil.copytree(Path(babel.__file__).parent, layer / "babel", copy_function=os.symlink)
    shutil.copytree(ROOT / "templates", layer / "templates")
    kept, freed = build_layer.prune_locale_data(layer, build_layer.letter_languages(layer / "templates"))
    return {"layer": layer, "kept": kept, "freed": freed}


def test_the_languages_pruned_to_are_those_with_letter_templates():
    assert build_layer.letter_languages(ROOT / "templates") == {"en", "es"}


def test_pruned_data_is_every_locale_of_the_letter_languages_their_parents_and_root(pruned):
    kept = set(pruned["kept"])
    full = {p.stem for p in (Path(babel.__file__).parent / "locale-data").glob("*.dat")}
    assert kept == {"root"} | {name for name in full if name.split("_")[0] in ("en", "es")}
    for chain in CHAINS.values():
        assert set(chain) <= kept
    assert not any(name.split("_")[0] in ("fr", "de", "ja", "pt", "zh") for name in kept)
    data = pruned["layer"] / "babel" / "locale-data"
    assert (data / "LICENSE.unicode").exists()  # CLDR's licence travels with its data
    assert (pruned["layer"] / "babel" / "global.dat").exists()  # currencies, parents, plural rules
    size = sum(p.stat().st_size for p in data.glob("*.dat"))
    assert size < 1_500_000 < pruned["freed"]


def test_money_dates_and_every_letter_read_the_same_from_the_pruned_data(pruned):
    locales = [*SUPPORTED_LOCALES, *OTHER_ACCEPTED]
    done = subprocess.run(
        [
            sys.executable, "-c", PROBE, str(pruned["layer"]), json.dumps(locales), json.dumps(CURRENCIES),
            json.dumps(SUPPORTED_LOCALES),
        ],
        capture_output=True, text=True, check=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(COMMON), str(ROOT)])},
    )  # fmt: skip
    seen = json.loads(done.stdout)
    assert seen["babel"].startswith(str(pruned["layer"]))  # the probe really read the pruned copy
    assert seen["french"] == "unknown"  # and the copy really is pruned
    assert seen["formatted"] == {locale: formatted(locale) for locale in locales}
    assert seen["formatted"]["es-MX"][1] == "$1,234,567.89"  # MXN at home
    assert seen["formatted"]["en-PH"][2] == "₱1,234,567.89"
    assert seen["letters"] == {
        f"{code}/{locale}": render(sample_context(code, locale))
        for code in LetterCode
        for locale in SUPPORTED_LOCALES
    }


def test_the_runtimes_sdk_and_pips_scripts_are_dropped_and_nothing_else(tmp_path):
    installed = ("boto3", "botocore", "botocore-1.44.8.dist-info", "s3transfer", "pynamodb", "jmespath")
    for name in (*installed, "bin"):
        (tmp_path / name).mkdir()
    dropped = build_layer.drop_runtime_provided(tmp_path)
    assert sorted(dropped) == ["boto3", "botocore", "botocore-1.44.8.dist-info", "s3transfer"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jmespath", "pynamodb"]


def test_our_package_and_its_data_are_copied_through_the_links_without_bytecode(tmp_path):
    build_layer.copy_sources(COMMON, tmp_path)
    assert (tmp_path / "arrears" / "domain" / "letters.py").is_file()
    assert not (tmp_path / "templates").is_symlink()
    assert (tmp_path / "templates" / "letters" / "es" / "first_reminder.html").is_file()
    assert list((tmp_path / "rules").glob("*.yaml")) and list((tmp_path / "strategies").glob("*.yaml"))
    assert not list(tmp_path.rglob("__pycache__")) and not list(tmp_path.rglob("*.pyc"))


def python312() -> str | None:
    candidates = [os.environ.get("LAYER_PYTHON"), shutil.which("python3.12")]
    candidates += sorted(str(p) for p in Path.home().glob(".pyenv/versions/3.12*/bin/python3.12"))
    for candidate in filter(None, candidates):
        try:
            found = subprocess.run(
                [candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 12))"],
                capture_output=True, text=True, timeout=30,
            )  # fmt: skip
        except OSError:
            continue
        if found.stdout.strip() == "True":
            return candidate
    return None


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_make_target_builds_a_layer_that_formats_and_starts_from_bytecode(tmp_path):
    python = python312()
    if python is None:
        pytest.skip("no Python 3.12 here (the layer is built by the runtime's Python)")
    platform = {"x86_64": "manylinux2014_x86_64", "aarch64": "manylinux2014_aarch64"}[os.uname().machine]
    subprocess.run(
        ["make", "-C", str(COMMON), "build-ArrearsLayer", f"ARTIFACTS_DIR={tmp_path}", f"PYTHON={python}",
         f"PLATFORM={platform}"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    layer = tmp_path / "python"
    assert not (layer / "botocore").exists() and (layer / "pynamodb").is_dir()
    kept = {p.stem for p in (layer / "babel" / "locale-data").glob("*.dat")}
    assert kept >= {locale for chain in CHAINS.values() for locale in chain}
    assert not (layer / "babel" / "locale-data" / "fr.dat").exists()
    pyc = next((layer / "arrears" / "domain" / "__pycache__").glob("money.cpython-312.pyc"))
    assert int.from_bytes(pyc.read_bytes()[4:8], "little") == 0b01  # hash-based, source never checked
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import pydantic_core, jwt, stripe, yaml;"
        "from arrears.domain.money import Money; print(Money(123456, 'MXN').format('es-MX'))"
    )
    done = subprocess.run([python, "-S", "-c", probe, str(layer)], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "$1,234.56"
