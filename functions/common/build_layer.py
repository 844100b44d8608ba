"""Assembles the arrears layer after pip has installed its requirements: `python build_layer.py SRC DEST`.

Run by the Makefile beside it (`sam build`, BuildMethod: makefile). DEST is the layer's `python/`
folder (/opt/python in Lambda). Three steps, each because of what Lambda gives us already:
- our own package and the data it reads (rules, strategies, letter templates) are copied in,
  symlinks followed and bytecode left out (the Makefile compiles it for the runtime's Python);
- boto3, botocore and s3transfer are taken out: the python3.12 runtime ships them, and a layer's
  botocore would shadow the runtime's while the runtime's boto3 still loads (two SDK versions in
  one process). To pin them on purpose, add them to requirements.txt and remove them here;
- Babel's locale data (36 MB, every CLDR locale) is cut to the languages we write letters in
  (the folders of templates/letters), every locale of those languages, their CLDR parents and
  root. Import accepts any locale of a language we have letters for, so every one of those must
  format here too; a language without letters is refused at import and needs no data.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

SOURCES = ("arrears", "rules", "strategies", "templates")
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
SCRIPTS = "bin"  # console scripts pip writes next to the packages; nothing in Lambda runs them


def copy_sources(source: Path, dest: Path) -> None:
    for name in SOURCES:
        shutil.copytree(
            source / name,
            dest / name,
            symlinks=False,  # functions/common/{rules,strategies,templates} are links into the repo
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            dirs_exist_ok=True,
        )


def drop_runtime_provided(dest: Path, names: Iterable[str] = RUNTIME_PROVIDED) -> list[str]:
    """Removes the named distributions (package and metadata); returns what was there."""
    dropped = []
    for name in names:
        found = [dest / name, *dest.glob(f"{name}-*.dist-info")]
        for path in (p for p in found if p.exists()):
            shutil.rmtree(path)
            dropped.append(path.name)
    if (dest / SCRIPTS).is_dir():
        shutil.rmtree(dest / SCRIPTS)
    return dropped


def letter_languages(templates: Path) -> set[str]:
    """The languages we write letters in: one folder per language under templates/letters."""
    letters = templates / "letters"
    languages = {p.name for p in letters.iterdir() if p.is_dir() and not p.name.startswith("_")}
    if not languages:
        raise SystemExit(f"no letter languages under {letters}: refusing to prune every locale")
    return languages


def parent_of(locale: str, exceptions: dict[str, str]) -> str | None:
    """CLDR's parent, as Babel resolves it: an explicit parent (es_MX -> es_419), else drop the last part."""
    if locale == "root":
        return None
    if locale in exceptions:
        return exceptions[locale]
    return locale.rsplit("_", 1)[0] if "_" in locale else "root"


def locales_to_keep(available: Iterable[str], languages: set[str], exceptions: dict[str, str]) -> set[str]:
    keep = {name for name in available if name.split("_", 1)[0] in languages}
    for locale in list(keep):
        parent = parent_of(locale, exceptions)
        while parent is not None:
            keep.add(parent)
            parent = parent_of(parent, exceptions)
    return keep | {"root"}


def parent_exceptions(dest: Path) -> dict[str, str]:
    """Babel's own table of CLDR parents, read through the Babel just installed in DEST."""
    sys.dont_write_bytecode = True  # the Makefile compiles bytecode once, for the runtime's Python
    sys.path.insert(0, str(dest))
    try:
        from babel.core import get_global

        return dict(get_global("parent_exceptions"))
    finally:
        sys.path.remove(str(dest))


def prune_locale_data(dest: Path, languages: set[str]) -> tuple[list[str], int]:
    """Deletes the .dat files of every other locale; returns the kept locales and the bytes freed."""
    data = dest / "babel" / "locale-data"
    files = {p.stem: p for p in data.glob("*.dat")}
    keep = locales_to_keep(files, languages, parent_exceptions(dest))
    missing = sorted(keep - files.keys())
    if missing:
        raise SystemExit(f"Babel has no data for {missing}: is this the Babel the layer pins?")
    freed = 0
    for stem, path in files.items():
        if stem not in keep:
            freed += path.stat().st_size
            path.unlink()
    return sorted(keep & files.keys()), freed


def assemble(source: Path, dest: Path) -> dict:
    copy_sources(source, dest)
    dropped = drop_runtime_provided(dest)
    kept, freed = prune_locale_data(dest, letter_languages(dest / "templates"))
    return {"dropped": dropped, "locales": kept, "locale_bytes_freed": freed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="functions/common (or SAM's copy of it)")
    parser.add_argument("dest", type=Path, help="the layer's python/ folder, requirements already installed")
    args = parser.parse_args(argv)
    done = assemble(args.source, args.dest)
    print(
        f"layer: dropped {', '.join(done['dropped']) or 'nothing'}; kept {len(done['locales'])} locales, "
        f"freed {done['locale_bytes_freed'] // 1024} KiB of locale data"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
