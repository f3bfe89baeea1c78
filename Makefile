# Two commands do all the set-up: `make run` (the bot) and `make test` (the tests).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MODEL_DIR ?= models/default

.PHONY: run test test-fast install fetch model bench evaluate lint clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

fetch: install
	$(PY) scripts/fetch_data.py

model: install
	$(PY) scripts/build_model.py --out $(MODEL_DIR) --if-missing

run: model
	$(PY) -m bot --model $(MODEL_DIR)

test: install
	$(PY) -m pytest -q -m "slow or not slow"

test-fast: install  # the subset without the real model and the long sweeps
	$(PY) -m pytest -q

bench: model
	$(PY) scripts/bench.py --json bench.json

evaluate: install
	$(PY) scripts/evaluate.py

lint: install
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) models data/*.tmp .pytest_cache
