# Two commands: `make run` sets up and serves the product; `make test` sets up and runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck pytest bench clean install simulate

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --no-input -v 0
	$(BIN)/python manage.py demo --url http://$(HOST):$(PORT)/
	@echo ""
	@echo "  Open http://$(HOST):$(PORT)/ (API docs: http://$(HOST):$(PORT)/api/docs/)"
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# With `make run` serving in another terminal (the same HOST and PORT): one Web Connector session against a
# simulated QuickBooks, as the demo's connection, with the public password demo/company.py gives it.
simulate: $(STAMP)
	$(BIN)/python manage.py qbwc_simulate --connection "Demo company file" --password demo-qbwc-2026 --url http://$(HOST):$(PORT)/qbwc/

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy .

pytest: $(STAMP)
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python bench/approval_queue.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/sync.py
	$(BIN)/python bench/import.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
