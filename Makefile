# Two commands for a new user: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-fast bench lint format letters clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: install
	$(BIN)/arrears simulate --accounts 1000 --days 60 --seed 7 --start 2026-01-01 --out out/demo

test: install
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not slow"

bench: install
	$(BIN)/python -m bench.run --out out/bench.json

# A sample of every letter in every locale, for a reviewer to open: docs/letters/index.html
letters: install
	$(BIN)/python -m arrears_cli.letter_samples docs/letters

lint: install
	$(BIN)/ruff check .
	PYTHONPATH=functions:functions/common $(BIN)/lint-imports
	$(BIN)/cfn-lint template.yaml

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) out .arrears
