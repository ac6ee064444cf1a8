# The two commands: `make run` and `make test`. Each bootstraps .venv from requirements.lock.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_HOME := $(CURDIR)/data/prefect-home

.PHONY: run test samples bench clean venv

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml extractors/_textlayer.c
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or: make PYTHON=python3 ...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install -qq --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	@mkdir -p data/prefect-home
	$(BIN)/muni ingest --sources sources.toml --warehouse data/warehouse.duckdb

test: $(STAMP)
	@mkdir -p data/prefect-home
	$(BIN)/python -m pytest -n 2 --dist loadgroup

samples: $(STAMP)
	$(BIN)/python -m samples.render --out samples/pdfs --truth samples/truth

bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) data/warehouse.duckdb
