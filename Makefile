# laoxiao — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export LAOXIAO_DEBUG ?= 1

.PHONY: run test test-postgres lint typecheck contract bench messages screenshot install clean

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

## make run: install, migrate, build the Huaibei demo city if the database is empty, serve on :8000
## with the background job worker beside the server (both stop on Ctrl-C)
run: $(STAMP)
	$(BIN)/laoxiao migrate --no-input -v 0
	$(BIN)/laoxiao demo-city --if-empty
	$(BIN)/laoxiao demo-accounts --url http://$(HOST):$(PORT)
	$(BIN)/laoxiao serve $(HOST):$(PORT)

## make test: lint, makemigrations --check, and the whole suite on SQLite
test: $(STAMP) lint typecheck
	$(BIN)/laoxiao makemigrations --check --dry-run
	$(BIN)/pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check laoxiao benchmarks
	$(BIN)/ruff format --check laoxiao benchmarks

typecheck: $(STAMP)
	LAOXIAO_DEBUG=1 $(BIN)/mypy laoxiao

## make test-postgres: the suite against PostgreSQL (DATABASE server on 127.0.0.1:5432, user postgres)
test-postgres: $(STAMP)
	LAOXIAO_TEST_DATABASE_URL=$${LAOXIAO_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/laoxiao_test} $(BIN)/pytest -n 2

## make contract: schemathesis over every API operation with a larger budget than the suite's (5 each)
contract: $(STAMP)
	LAOXIAO_CONTRACT_EXAMPLES=$${LAOXIAO_CONTRACT_EXAMPLES:-50} $(BIN)/pytest -n 0 -m contract laoxiao/api/tests/test_contract.py

bench: $(STAMP)
	@for f in benchmarks/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

## make messages: refresh the Chinese catalogue after changing UI strings, then translate and compile
messages: $(STAMP)
	cd laoxiao && ../$(BIN)/laoxiao makemessages -l zh_Hans --no-obsolete --no-location
	$(BIN)/laoxiao compilemessages -l zh_Hans

screenshot: $(STAMP)
	$(BIN)/python -m laoxiao.web.screenshot docs/img/home.png
	$(BIN)/python -m laoxiao.web.screenshot docs/img/cockpit.png --path /plan/cockpit/

clean:
	rm -rf $(VENV) var
