# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo demo-stop test test-faketime faketime bench soak lint typecheck clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The demo keeps its data in .samhandling/ and validates against the conformance schemas next to the checkout
# when they are there (an installation uses `samhandling schemas install` instead).
DEMO_HOME   ?= $(CURDIR)/.samhandling
SCHEMA_DIR  ?= $(wildcard $(CURDIR)/../shared/conformance/schemas)

demo: $(STAMP)
	SAMHANDLING_HOME=$(DEMO_HOME) $(if $(SCHEMA_DIR),SAMHANDLING_SCHEMA_DIR=$(SCHEMA_DIR)) $(BIN)/samhandling demo

# Stops the message server that `make demo` leaves running.
demo-stop:
	@if [ -f $(DEMO_HOME)/demo-region/msh.pid ]; then kill $$(cat $(DEMO_HOME)/demo-region/msh.pid) 2>/dev/null || true; \
	  rm -f $(DEMO_HOME)/demo-region/msh.pid; echo "Meldingstjeneren er stoppet."; fi

# The tests on two workers (pytest-xdist; the machine has 2 cores): each worker has its own PostgreSQL database and
# tmp folders, and every server listens on a free port. Tests go out one at a time to the worker that is free
# (--maxschedchunk 1), the long journeys (marker process, collected first) first, so that both workers end together;
# in bigger batches the journeys piled up on one worker. PYTEST_WORKERS=0 runs them in one process.
PYTEST_WORKERS ?= 2

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist load --maxschedchunk 1

# The suite at three moments that have broken tests before (GUIDE: "the suite must pass on a Friday at 03:00, on
# a Sunday and on New Year's Eve"), Europe/Oslo. libfaketime shifts every clock by one offset from the real time,
# so that processes started later (nodes, servers) share the test's clock and time goes on as usual.
# CI stays one run of `make test`; PYTEST_ARGS narrows the run (e.g. PYTEST_ARGS=tests/cli/test_monitor_cli.py).
FAKETIME_MOMENTS ?= 2026-12-04T03:00:00 2026-12-06T12:00:00 2026-12-31T23:30:00
PYTEST_ARGS ?=

# libfaketime from Debian (package faketime) when the machine does not have it.
faketime:
	@command -v faketime >/dev/null 2>&1 || { \
	  echo "Installerer faketime (Debian-pakken faketime) ..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y --no-install-recommends faketime >/dev/null 2>&1 || \
	  { $$SUDO apt-get update >/dev/null && $$SUDO apt-get install -y --no-install-recommends faketime >/dev/null; }; }
	@command -v faketime >/dev/null 2>&1 || { echo "faketime mangler og kunne ikke installeres" >&2; exit 1; }

test-faketime: $(STAMP) faketime
	@for moment in $(FAKETIME_MOMENTS); do \
	  at=$$(echo $$moment | tr T ' '); \
	  offset=$$(( $$(TZ=Europe/Oslo date -d "$$at" +%s) - $$(date +%s) )); \
	  echo "== pytest med klokken satt til $$at (Europe/Oslo)"; \
	  TZ=Europe/Oslo faketime -f "$$( [ $$offset -ge 0 ] && echo +)$${offset}" \
	    $(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS) || exit 1; \
	done

# Figures measured on this machine (speed, memory), one JSON line each, then a table. Never timed assertions.
bench: $(STAMP)
	$(BIN)/python -m bench

# The long soak run: the local server and two nodes as processes, a few hundred messages, SIGKILLs of nodes and
# server, database outages; one JSON line of figures per store (SQLite and PostgreSQL). E.g. SOAK_ARGS="--seed 7".
SOAK_ARGS ?=
soak: $(STAMP)
	$(BIN)/python -m tests.soak $(SOAK_ARGS)

# ruff's rules, and the layer map as import-linter contracts (pyproject.toml, ARCHITECTURE.md). The code is laid
# out by hand, not by `ruff format`.
lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
