# One entry point for chores. Everything runs in .venv, made here from the system's python3.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STORE  := .demo-store
# An organisation named in the bundled corpus/, for the demo's member-of question.
DEMO_ORG ?= BL

.PHONY: install demo test lint clean bench bench-large

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: install
	rm -rf $(STORE)
	$(BIN)/alliances --store $(STORE) ingest corpus/
	$(BIN)/alliances --store $(STORE) stats
	$(BIN)/alliances --store $(STORE) member-of "$(DEMO_ORG)"

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/ruff check .
	$(BIN)/mypy --explicit-package-bases cli.py output.py graph loaders

# Every benchmark at the small and medium sizes (about 20 min on 2 cores); results in bench/results/. Not tests.
bench: install
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py --sizes small,medium

# Adds 10^7 quads and 10^5 documents (hours).
bench-large: install
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py --sizes small,medium,large

clean:
	rm -rf $(STORE) $(VENV)/.installed .pytest_cache .mypy_cache .ruff_cache
