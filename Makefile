# Newsroom: `make run` sets up and serves the site; `make test` sets up and runs every check.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# axe-core (npm), injected into pages by the end-to-end tests in tests/e2e/.
E2E_TOOLS := tests/e2e/node_modules/axe-core/axe.min.js
# pytest processes for `make test` (pytest-xdist; the browser tests stay together on one).
TEST_WORKERS ?= 2
HOST ?= 127.0.0.1
PORT ?= 8000
# The test suite runs with DEBUG off, like production; it needs a (throwaway) secret key.
TEST_ENV := DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-insecure-test-only-key-not-for-production-use-0123456789} \
	DJANGO_SECURE_SSL_REDIRECT=0

.PHONY: run test venv e2e-tools lint clean replication bench bench-parts bench-queries bench-search lock lock-check audit deploy-check

# Playwright drives Debian's Chromium (/usr/bin/chromium); it must never download a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

venv: $(STAMP)

$(STAMP): pyproject.toml requirements.lock scripts/find-python
	@python=$$(scripts/find-python) || exit 1; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		rm -rf $(VENV); echo "Creating $(VENV) with $$python"; "$$python" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]' -c requirements.lock
	@touch $(STAMP)

# Links in feeds, sitemaps and cards point at the address being served (until set in the admin).
run: export NEWSROOM_BASE_URL ?= http://$(HOST):$(PORT)
run: venv
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py seed_demo --with-users --address http://$(HOST):$(PORT)
	@echo "Starting the task worker (mail, image sizes, scheduled articles, recurring jobs; restarted if it exits) and the site on http://$(HOST):$(PORT)/"
	@echo "Press Ctrl-C to stop both."
	@# Web push for the demo: a VAPID key pair made once, kept in the git-ignored .vapid.env
	@# (production sets its own keys: docs/alerts-and-push.md). Set ones win.
	@test -s .vapid.env || DJANGO_DEBUG=1 $(PY) manage.py generate_vapid_keys 2>/dev/null > .vapid.env
	while IFS='=' read -r key value; do [ -n "$${!key:-}" ] || export "$$key=$$value"; done < .vapid.env; \
	( trap 'kill $$child 2>/dev/null; exit 0' INT TERM; while true; do \
		DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py run_worker --queue-name '*' --interval 2 & child=$$!; \
		wait $$child; echo "The task worker exited ($$?); restarting it in 2 s" >&2; sleep 2; \
	done ) & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py runserver $(HOST):$(PORT)

lint: venv
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

e2e-tools: $(E2E_TOOLS)

$(E2E_TOOLS): tests/e2e/package.json tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund
	@touch $@

test: venv e2e-tools lint deploy-check
	$(TEST_ENV) $(PY) manage.py check --fail-level WARNING
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) -m pytest -n $(TEST_WORKERS) --durations=15 $(PYTEST_ARGS)

# requirements.lock: the exact versions `make venv` installs (-c) and pip-audit audits. To
# upgrade: `.venv/bin/pip install -U <package>`, then `make lock` and commit both.
lock: venv
	$(PY) -m pip freeze --exclude-editable | grep -v '^-e ' > requirements.lock
	@touch $(STAMP)

lock-check: venv
	@$(PY) -m pip freeze --exclude-editable | grep -v '^-e ' | diff -u requirements.lock - \
		|| { echo "requirements.lock is out of date: run 'make lock' and commit it" >&2; exit 1; }

audit: lock-check
	PY=$(PY) scripts/audit

# Django's deployment checklist with production settings (DEBUG off, HTTPS, a strong key).
deploy-check: venv
	DJANGO_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	DJANGO_ALLOWED_HOSTS=news.example DJANGO_DEBUG=0 \
		$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/e2e/node_modules tests/e2e/artifacts

# Let the local PostgreSQL accept replication connections from 127.0.0.1 (the replica tests,
# tests/articles/delivery/test_replicas.py); a reload, never a restart. Run as root.
replication:
	scripts/allow-replication

# PostgreSQL benchmark against the bare-Django floor (docs/operations.md); ARGS="--articles 100000".
bench: venv
	scripts/install-bench-tools
	$(PY) scripts/bench.py $(ARGS)

# Search p50/p99 over 5,000 and 100,000 articles; needs DATABASE_URL (PostgreSQL).
# Where an uncached page's CPU goes, part by part (callgrind; after `make bench` seeded 5,000).
bench-parts: venv
	scripts/install-bench-tools
	$(PY) scripts/bench_parts.py

# Each query of the listing pages: in-process time and PostgreSQL's execution (ARGS="--articles 100000").
bench-queries: venv
	$(PY) scripts/bench_queries.py $(ARGS)

bench-search: venv
	$(PY) scripts/bench_search.py
