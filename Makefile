# The two commands: `make run` and `make test` (see README.md).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell md5sum requirements.txt | cut -c1-12)

# Test services: local defaults, overridable from the environment.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/scoreline
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test lint bench-live bench-ingest bench-api

$(STAMP): requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

run: $(STAMP)
	PATH="$(abspath $(VENV))/bin:$$PATH" ./scripts/run.sh

test: $(STAMP)
	DEBUG=$${DEBUG:-1} DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .
