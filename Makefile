# Two commands for a new user: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# checkov and bandit live apart: checkov pins its own (old) dependencies.
TOOLS_VENV := tools/.venv
TOOLS_STAMP := $(TOOLS_VENV)/.installed
# A shell that says not to write bytecode would have every test worker, CLI command and simulation
# compile our modules and pytest rewrite every test module again, each time they start.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install lint-tools demo test test-fast mutate bench scale lint format letters clean

# Each timed target prints its own wall time (after install), whatever the outcome.
TIMED = start=$$(date +%s); status=0; $(1) || status=$$?; \
	echo "$(2): $$(( $$(date +%s) - start )) s (after install)"; exit $$status

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

lint-tools: $(TOOLS_STAMP)

$(TOOLS_STAMP): tools/requirements-lint.txt
	@test -x $(TOOLS_VENV)/bin/python || $(PY) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/python -m pip install --quiet -r tools/requirements-lint.txt
	@touch $(TOOLS_STAMP)

# 150 accounts: the demo's book is sized to show every path in under two minutes (decision 50);
# `arrears simulate --accounts N` and `make scale` run larger books.
demo: install
	@$(call TIMED,$(BIN)/arrears simulate --accounts 150 --days 60 --seed 7 --start 2026-01-01 --out out/demo,make demo)

# One worker per core; each worker deploys one local cloud and restores it before every test;
# an idle worker takes tests queued for the other (worksteal), since a few run for tens of seconds.
test: install
	@$(call TIMED,$(BIN)/python -m pytest -n auto --dist worksteal,make test)

test-fast: install
	$(BIN)/python -m pytest -n auto -m "not slow"

# Mutation testing of every module in arrears/domain against tests/unit (mutmut, configured in
# mutation/pyproject.toml): the score per module and every mutant that lived; fails below the threshold.
mutate: install
	@$(call TIMED,mutation/run,make mutate)

bench: install
	$(BIN)/python -m bench.run --out out/bench.json

# A 10,000- and a 100,000-account book, each imported and worked for six days: out/scale.json
scale: install
	@$(call TIMED,$(BIN)/python -m bench.scale --out out/scale.json,make scale)

# A sample of every letter in every locale, for a reviewer to open: docs/letters/index.html
letters: install
	$(BIN)/python -m arrears_cli.letter_samples docs/letters

# Security: checkov over the template, bandit over the code that ships or runs for operators
# (not tests/). Skips are justified where they stand; docs/security.md lists them.
lint: install $(TOOLS_STAMP)
	$(BIN)/ruff check .
	PYTHONPATH=functions:functions/common $(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/cfn-lint template.yaml
	$(TOOLS_VENV)/bin/checkov --config-file tools/checkov.yaml
	$(TOOLS_VENV)/bin/bandit -c tools/bandit.yaml -q -r functions localcloud arrears_cli

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(TOOLS_VENV) out .arrears mutation/mutants
