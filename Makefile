# 码上办 — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 8000
# Debian packages: a CJK font to embed in printed cards, and for the tests Chromium,
# the QR decoder and the PDF tools that check what we print.
RUN_DEBS := fonts-wqy-zenhei
# libfaketime moves the wall clock for the suite's third leg (no test may depend on the day).
# postgresql-client: pg_dump/pg_restore for `flask backup` (its major version must be at least
# the server's; tests/deploy/test_backup.py checks it against the test server).
TEST_DEBS := fonts-wqy-zenhei chromium zbar-tools libzbar0 poppler-utils libfaketime postgresql-client

.PHONY: run test venv test-venv run-deps test-deps db demo clean help

help:
	@echo "make run   - install, migrate, load the demo county and serve on http://$(HOST):$(PORT)"
	@echo "make test  - run the whole suite on SQLite and on PostgreSQL"

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PIP) install -q -r requirements-test.txt
	touch $@

# Preloaded before libfaketime in the moved-clock leg: monotonic sleeps go straight to the kernel.
$(VENV)/lib/monotonic_sleep.so: scripts/monotonic_sleep.c $(VENV)/.installed
	$${CC:-cc} -shared -fPIC -O2 -o $@ $< -ldl

venv: $(VENV)/.installed
test-venv: $(VENV)/.installed-test $(VENV)/lib/monotonic_sleep.so

run-deps:
	@scripts/apt_install.sh $(RUN_DEBS)

test-deps:
	@scripts/apt_install.sh $(TEST_DEBS)

db: venv
	mkdir -p instance
	$(FLASK) db upgrade

demo: db
	$(FLASK) demo load --if-empty

# Rate limits must hold across the two workers: the local Redis when one answers, else
# memory:// (per worker), unless RATELIMIT_STORAGE_URI says otherwise; the banner says which.
LOCAL_REDIS := redis://127.0.0.1:6379/0
PICK_RATELIMIT_STORAGE = $${RATELIMIT_STORAGE_URI:-$$($(PY) -c 'import redis; redis.Redis.from_url("$(LOCAL_REDIS)", socket_connect_timeout=0.5).ping(); print("$(LOCAL_REDIS)")' 2>/dev/null || echo memory://)}

run: venv run-deps demo
	@export RATELIMIT_STORAGE_URI="$(PICK_RATELIMIT_STORAGE)" \
		BASE_URL="$${BASE_URL:-http://$(HOST):$(PORT)}"; \
	$(FLASK) demo banner --base-url "$$BASE_URL" && \
	SCHEDULER=$${SCHEDULER:-on} exec $(VENV)/bin/gunicorn --config gunicorn.conf.py --workers 2 \
		--bind $(HOST):$(PORT) --timeout 120 --access-logfile - wsgi:app

test: test-venv test-deps
	@scripts/run_tests.sh

clean:
	rm -rf $(VENV) .pytest_cache
