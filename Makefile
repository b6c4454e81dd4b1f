# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: demo test test-all lint dev prod-local system-packages bench home clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml setup.py
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

# The embedded default instance (unless DAGSTER_HOME has its own) and the sample sheet.
home: $(VENV)/.installed
	@$(BIN)/python -m shorts_assets.demo prepare

demo: $(VENV)/.installed
	$(BIN)/python -m shorts_assets.demo

# Both print their 15 slowest tests, so what the suite costs stays in sight (CI runs `make test`).
# The tests run in TEST_WORKERS parallel processes (pytest-xdist), each taking a whole test module
# at a time, longest first (the order in shorts_assets_tests/conftest.py): most of the suite waits
# on daemons, servers and subprocesses. `make test TEST_WORKERS=0` runs it in one process.
TEST_WORKERS ?= 4
PYTEST := $(BIN)/python -m pytest --durations=15 -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

test: $(VENV)/.installed-dev lint system-packages
	$(PYTEST) -m "not heavy" $(PYTEST_ARGS)

# Everything, the heavy fault-injection, crash and load runs included.
test-all: $(VENV)/.installed-dev lint system-packages
	$(PYTEST) $(PYTEST_ARGS)

# PostgreSQL and Chromium for the production tests, from Debian's packages when missing.
system-packages:
	@.ci/system-packages

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check shorts_assets shorts_assets_tests bench

dev: $(VENV)/.installed home
	$(BIN)/dagster dev -w workspace.yaml

# The production shape on this machine: Postgres, S3 (moto), code server, daemon, web UI.
prod-local: $(VENV)/.installed-dev system-packages
	$(BIN)/python -m shorts_assets.prod_local

# The benchmarks (render A/B against moviepy, one offline item's CPU, batch, sensor and partition scale,
# rematerialization, start-up, latency with real clients) print a table with the targets beside the figures before issue 15
# (bench/results/before_issue15.json) and write bench/results/*.json.
bench: $(VENV)/.installed-dev system-packages
	$(BIN)/python -m bench.run_all

clean:
	rm -rf var .dagster_home
