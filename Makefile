# The two commands: `make run` and `make test` (see README.md).
VENV ?= .venv
PY := $(VENV)/bin/python
# Runtime packages are in requirements.txt; the tests, lint and benchmarks also need
# requirements-dev.txt (which includes it). The stamp changes when either file does.
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | md5sum | cut -c1-12)

# Test services: local defaults, overridable from the environment.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/scoreline
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# The tests' Celery broker: RabbitMQ acknowledges per message, so a SIGKILLed worker's
# batches come back (the Redis transport can lose one popped but not yet recorded).
TEST_CELERY_BROKER_URL ?= amqp://guest:guest@127.0.0.1:5672//

.PHONY: run test lint bench-live bench-ingest bench-api bench-glass

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

run: $(STAMP)
	PATH="$(abspath $(VENV))/bin:$$PATH" ./scripts/run.sh

test: $(STAMP)
	@export DEBUG=$${DEBUG:-1} DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
		REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_CELERY_BROKER_URL)}; \
	./scripts/ensure_tool.sh chromium /usr/bin/chromium && \
	$(PY) scripts/check_services.py && $(PY) -m pytest $(PYTEST_ARGS)

.PHONY: test-api-fuzz test-etags

# The partner API against schemathesis (every check, stateful phase, >= 2,000 cases, zero
# failures) on a real server, in its own database (DATABASE_URL's name + _apifuzz).
test-api-fuzz: $(STAMP)
	@export DEBUG=$${DEBUG:-1} DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
		REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_CELERY_BROKER_URL)}; \
	$(PY) scripts/check_services.py && $(PY) scripts/api_fuzz.py $(API_FUZZ_ARGS)

# ETags under load: 4 writers for ETAG_SECONDS while a client revalidates every list,
# detail, standings and reference endpoint; fails on any stale 304 (database + _etags).
ETAG_SECONDS ?= 60
test-etags: $(STAMP)
	@export DEBUG=$${DEBUG:-1} DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
		REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_CELERY_BROKER_URL)}; \
	$(PY) scripts/check_services.py && $(PY) scripts/etag_hunt.py --seconds $(ETAG_SECONDS)

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

# Live fan-out benchmark (bench/live/run.py, docs/PERFORMANCE.md): our stack on uvicorn and daphne vs
# the websockets.broadcast baseline, in one invocation. Uses its own database (created,
# migrated, seeded; live events there are abandoned) and Redis DB.
# Extra options: BENCH_LIVE_ARGS="--alt core,pubsub" (textbook channel-layer groups).
VIEWERS ?= 1000
RATE ?= 10
SECONDS ?= 20
BENCH_LIVE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/scoreline_bench_live
BENCH_LIVE_REDIS_URL ?= redis://127.0.0.1:6379/6

bench-live: $(STAMP)
	$(PY) -m bench.live.run --viewers $(VIEWERS) --rate $(RATE) --seconds $(SECONDS) \
		--database-url $(BENCH_LIVE_DATABASE_URL) --redis-url $(BENCH_LIVE_REDIS_URL) $(BENCH_LIVE_ARGS)

# Ingest benchmark (bench/ingest/run.py, docs/PERFORMANCE.md): feed messages through the webhook and
# the pull path into a real Celery worker vs bare service calls in a loop, one invocation.
# No RATE on the command line: throughput case; `make bench-ingest RATE=200`: paced case.
BENCH_INGEST_MESSAGES ?= 2000
BENCH_INGEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/scoreline_bench_ingest
BENCH_INGEST_REDIS_URL ?= redis://127.0.0.1:6379/4
# The broker recommended for production (docs/OPERATIONS.md) and used by the tests.
BENCH_INGEST_BROKER_URL ?= $(TEST_CELERY_BROKER_URL)
BENCH_INGEST_ARGS ?=

bench-ingest: $(STAMP)
	$(PY) -m bench.ingest.run --messages $(BENCH_INGEST_MESSAGES) \
		$(if $(filter command line environment,$(origin RATE)),--rate $(RATE)) \
		--database-url $(BENCH_INGEST_DATABASE_URL) --redis-url $(BENCH_INGEST_REDIS_URL) \
		--broker-url $(BENCH_INGEST_BROKER_URL) $(BENCH_INGEST_ARGS)

# Partner API benchmark (bench/api/run.py, docs/PERFORMANCE.md): event list and changes feed with and
# without If-None-Match vs a bare Django view serving the same JSON, concurrency 32, wrk
# (apt-get install wrk) against one uvicorn process. Seeds its own rows in its database.
BENCH_API_SECONDS ?= 5
BENCH_API_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/scoreline_bench_api
BENCH_API_REDIS_URL ?= redis://127.0.0.1:6379/5
BENCH_API_ARGS ?=

bench-api: $(STAMP)
	./scripts/ensure_tool.sh wrk /usr/bin/wrk
	BENCH_API_DATABASE_URL=$(BENCH_API_DATABASE_URL) BENCH_API_REDIS_URL=$(BENCH_API_REDIS_URL) \
		$(PY) -W ignore -m bench.api.run --seconds $(BENCH_API_SECONDS) --connections 32 $(BENCH_API_ARGS)

# Feed to screen (bench/glass/run.py): signed pushes at RATE msg/s (default 200) over EVENTS
# simulated matches (200) to the Procfile's distributed processes, VIEWERS sockets (1000)
# subscribed as the pages subscribe; latency push sent -> frame received, with the bare
# pipeline (HTTP intake, psycopg insert, Redis PUBLISH, websockets.broadcast) in the same run.
BENCH_GLASS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/scoreline_bench_glass
BENCH_GLASS_REDIS_URL ?= redis://127.0.0.1:6379/7
BENCH_GLASS_ARGS ?=
given = $(if $(filter command line environment,$(origin $(1))),--$(2) $($(1)))

bench-glass: $(STAMP)
	$(PY) -m bench.glass.run $(call given,RATE,rate) $(call given,EVENTS,events) \
		$(call given,VIEWERS,viewers) $(call given,SECONDS,seconds) \
		--database-url $(BENCH_GLASS_DATABASE_URL) --redis-url $(BENCH_GLASS_REDIS_URL) \
		--broker-url $(TEST_CELERY_BROKER_URL) $(BENCH_GLASS_ARGS)
