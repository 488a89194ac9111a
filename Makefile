# The two commands a new user needs: `make run` and `make test`.
# Everything else here exists so those two stay true on a fresh clone.

PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Python 3.12+ is required by Django 6.1. Look for it by name first, then in
# pyenv's folder (whose shims for other versions fail), then plain python3.
find_python = for c in python3.13 python3.12 \
	  "$$(pyenv root 2>/dev/null)"/versions/3.13*/bin/python3 \
	  "$$(pyenv root 2>/dev/null)"/versions/3.12*/bin/python3 python3; do \
	  if command -v "$$c" >/dev/null 2>&1 && "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	    command -v "$$c"; exit 0; fi; done; \
	echo "Python 3.12 or newer is needed; none was found." >&2; exit 1

.PHONY: run test test-browser lint format install migrate demo reset clean

$(STAMP): pyproject.toml
	@test -x $(PY) || { py=$$($(find_python)) && echo "Creating $(VENV) with $$py" && "$$py" -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo_content

# The site and, beside it, the background worker that sends its emails and does bulk
# re-indexing (manage.py run_worker); Ctrl-C stops both.
run: demo
	$(PY) manage.py ensure_staff_login
	@echo "Emails the site sends are written to var/sent-emails/ as .eml files (open one in a mail program"
	@echo "or a browser); the worker also prints each email's links below, ready to click."
	@DJANGO_DEBUG=true $(PY) manage.py run_worker --no-reload --worker-id=local-$(PORT) & \
	worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	DJANGO_DEBUG=true $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The whole suite: unit and page tests, then the real-browser checks wherever a
# chromium is installed (a machine without one is told how to get it).
test: install
	$(PY) -m pytest $(PYTEST_ARGS)
	@if command -v chromium >/dev/null 2>&1; then $(MAKE) --no-print-directory test-browser; \
	else echo "Browser checks skipped: chromium is not installed (apt-get install chromium)."; fi

# Back to a fresh local site: the next `make run` creates the database, loads the demo
# content and a new staff login again. Only these paths in var/ are removed; a
# PostgreSQL DATABASE_URL is left alone. Asks first on a terminal (CONFIRM=yes skips).
RESET_PATHS := var/db.sqlite3 var/db.sqlite3-wal var/db.sqlite3-shm var/db.sqlite3-journal \
	var/media var/sent-emails var/staff-login.txt
reset:
	@echo "This deletes the local SQLite database (every post, person, subscriber and staff"
	@echo "login in it), uploaded files and local emails: $(RESET_PATHS)"
	@case "$${DATABASE_URL:-sqlite}" in sqlite*) ;; *) echo "(DATABASE_URL points elsewhere: that database is not touched.)";; esac
	@if [ "$(CONFIRM)" != yes ] && [ -t 0 ]; then printf "Type yes to go on: "; read answer; \
	  [ "$$answer" = yes ] || { echo "Nothing deleted."; exit 1; }; fi
	rm -rf $(RESET_PATHS)
	@echo "Done: \`make run\` sets up a fresh site with the demo content."

# reset, and the virtualenv too (the next make reinstalls the dependencies).
clean: reset
	rm -rf $(VENV)

# Real-Chromium checks (axe-core, keyboard, CSP) in tests/browser/ only.
test-browser: install
	$(PY) -m pytest -m browser tests/browser $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Newsletter signups under load on SQLite and PostgreSQL (not a timed test):
# BENCH_ARGS="--server both" also runs it under gunicorn.
.PHONY: bench-newsletter
bench-newsletter: install
	$(PY) bench/newsletter_load.py $(BENCH_ARGS)

# The home page while 20 signups wait on a mail server that never answers, and without
# them (gunicorn, DEBUG off; issue 9). Prints p50/p95 of both and the signups' times.
.PHONY: bench-slow-smtp
bench-slow-smtp: install
	$(PY) bench/slow_smtp.py $(BENCH_ARGS)

# One newsletter issue to 10,000 subscribers through a local SMTP server (issue 14), once
# straight through and once with the worker SIGKILLed half-way: messages/s, the worker's
# peak memory, and each address's count. BENCH_ARGS="--subscribers 1000" for a short run.
.PHONY: bench-newsletter-send
bench-newsletter-send: install
	$(PY) bench/newsletter_send.py $(BENCH_ARGS)

# Person page and feed: a person with only anonymous credits must 404 as fast as a slug
# that never existed (issue 9). Prints the median of each; BENCH_ARGS=800 for more.
.PHONY: bench-person-404
bench-person-404: install
	$(PY) bench/person_404_timing.py $(BENCH_ARGS)

# Search benchmark (issue 3): SQLite and PostgreSQL at N = 1,000 / 10,000 / 100,000 in
# databases of their own. BENCH_SIZES=1000,10000 for a shorter run; see bench/run.sh.
.PHONY: bench-search
bench-search: install
	bash bench/run.sh

# Renditions of an 8000 x 8000 hero (issue 11): time to make them (median of BENCH_ARGS
# --runs, default 3), image bytes a 390 px phone downloads at DPR 3 and 1 before and after
# (headless chromium), and Lighthouse 12.2.3 mobile before/after (installed with npm into
# var/lighthouse on first use; --no-lighthouse skips it).
.PHONY: bench-renditions
bench-renditions: install
	$(PY) bench/renditions_bench.py $(BENCH_ARGS)

# manage.py import_wordpress on WordPress's theme test export (issue 13): median import time
# of 3 runs on a fresh SQLite database, without files and with a generated uploads folder.
.PHONY: bench-import
bench-import: install
	$(PY) bench/import_wordpress_bench.py $(BENCH_ARGS)

# The Nu HTML Checker (W3C's vnu.jar, npm vnu-jar) over every public page type with the demo
# content (tests/test_html_validation.py); any error fails. Needs java (Debian:
# default-jre-headless); the jar is installed once into .venv/node.
VNU_VERSION := 26.9.27
VNU_JAR := $(VENV)/node/node_modules/vnu-jar/build/dist/vnu.jar
.PHONY: validate-html
$(VNU_JAR):
	npm install --no-save --no-audit --no-fund --ignore-scripts --prefix $(VENV)/node vnu-jar@$(VNU_VERSION)

validate-html: install $(VNU_JAR)
	@command -v java >/dev/null 2>&1 || { echo "java is needed: apt-get install default-jre-headless" >&2; exit 1; }
	VNU_JAR=$(VNU_JAR) $(PY) -m pytest -m html_validation tests/test_html_validation.py -s -p no:logging $(PYTEST_ARGS)

# Lighthouse's four scores (mobile) for home, a post, search and /about/ on a production-like
# server it starts itself (gunicorn, DEBUG off, a throwaway demo database); fails if
# accessibility, best practices or SEO is below 100 on a page other than search. Installs
# the pinned Lighthouse into .ci/lighthouse/node_modules (npm ci); needs node and chromium.
# LIGHTHOUSE_ARGS=--desktop for the desktop preset, --keep to keep the JSON reports.
.PHONY: lighthouse
LIGHTHOUSE := .ci/lighthouse/node_modules/.bin/lighthouse
$(LIGHTHOUSE): .ci/lighthouse/package-lock.json
	cd .ci/lighthouse && npm ci --no-audit --no-fund
	@touch $@
lighthouse: install $(LIGHTHOUSE)
	$(PY) .ci/lighthouse/run.py $(LIGHTHOUSE_ARGS)

# Page costs (issue 15): server CPU ms per request for each public page rendered, kept
# whole and revalidated (304), at 10 and 10,000 posts on SQLite and PostgreSQL, beside a
# bare Django view, under gunicorn (needs wrk: apt-get install wrk). Prints medians, ratios,
# queries and worker RSS. BENCH_ARGS="--sizes 10 --seconds 2 --rounds 1" for a quick look.
.PHONY: bench-pages
bench-pages: install
	BENCH_SCRIPT=bench/pages_bench.py bash bench/run.sh $(BENCH_ARGS)

# The hub as on several machines (README "Running at scale"), on loopback with free ports:
# two gunicorn servers behind nginx, PostgreSQL, Redis, SeaweedFS and the worker, until
# Ctrl-C. Needs Debian's nginx, redis-server and postgresql-15. `make test-multi-server`
# runs tests/test_multi_server.py over it (once, as .ci/run does).
.PHONY: cluster test-multi-server
cluster: install
	$(PY) -m tests.cluster

test-multi-server: install
	$(PY) -m pytest -m multi_server tests/test_multi_server.py $(PYTEST_ARGS)

# Lighthouse's "Enable text compression" through the README's nginx block (make cluster's
# servers, demo content), beside gunicorn alone; fails if it does not pass through nginx.
.PHONY: lighthouse-compression
lighthouse-compression: install $(LIGHTHOUSE)
	$(PY) bench/text_compression.py

# The static archive (issue 13): export time, size and file count for the demo site and a
# generated 10,000-post site, and nginx's requests/s on archive pages against a plain
# static file in the same run (wrk if installed). Needs nginx (apt-get install nginx-light).
# BENCH_ARGS="--posts 1000 --rounds 3 --seconds 5" for a shorter run; see the script.
.PHONY: bench-archive
bench-archive: install
	$(PY) bench/archive_bench.py $(BENCH_ARGS)

# The whole public site as static files in DIR (manage.py export_static; README "Keeping
# the hub's work when the programme ends"). BASE_URL is where the archive will be served.
.PHONY: export-static
export-static: install
	@test -n "$(DIR)" || { echo "Usage: make export-static DIR=folder [BASE_URL=https://…]"; exit 2; }
	$(PY) manage.py export_static "$(DIR)" $(if $(BASE_URL),--base-url "$(BASE_URL)")
