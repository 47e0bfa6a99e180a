# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo demo-stop test bench soak lint typecheck clean

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

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest

# Figures measured on this machine (speed, memory), one JSON line each, then a table. Never timed assertions.
bench: $(STAMP)
	$(BIN)/python -m bench

# The long soak run: the local server and two nodes as processes, a few hundred messages, SIGKILLs of nodes and
# server, database outages; one JSON line of figures per store (SQLite and PostgreSQL). E.g. SOAK_ARGS="--seed 7".
SOAK_ARGS ?=
soak: $(STAMP)
	$(BIN)/python -m tests.soak $(SOAK_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
