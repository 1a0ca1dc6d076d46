# docketd — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONFIG ?= config/docketd.example.toml

.PHONY: run test test-days lint typecheck unit bench clean system-deps install-service

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

## run: create the venv, install docketd and run it on the embedded default config
run: $(VENV)/.installed
	$(BIN)/docketd run --config $(CONFIG)

## install-service: set docketd up as a systemd service (as root); DESTDIR=/some/root installs into another root
install-service: $(VENV)/.installed
	$(BIN)/docketd install --root "$(or $(DESTDIR),/)"

## system-deps: Debian packages the tests use (headless Chromium for the agenda page, faketime for clock tests,
## systemd-analyze for the unit's verify/security tests, Dovecot for the IMAP court-mail tests, PostgreSQL for the
## several-instances tests). PostgreSQL is installed without Debian's main cluster, so no system database service
## starts: the tests run their own throwaway servers (tests/integration/pg_server.py). To have Debian's cluster
## after all: remove /etc/postgresql-common/createcluster.d/docketd-no-main-cluster.conf, run pg_createcluster.
system-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the agenda browser test..."; \
	    apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null || \
	      echo "warning: could not install chromium; the browser test will be skipped"; \
	  else echo "warning: chromium missing and not root; the browser test will be skipped"; fi; \
	fi
	@if ! ls /usr/lib/*/faketime/libfaketime.so.1 >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's faketime for the midnight/DST reliability tests..."; \
	    apt-get install -y -qq faketime >/dev/null 2>&1 || \
	      (apt-get update -qq >/dev/null && apt-get install -y -qq faketime >/dev/null) || \
	      echo "warning: could not install faketime; the clock tests will be skipped"; \
	  else echo "warning: faketime missing and not root; the clock tests will be skipped"; fi; \
	fi
	@if ! command -v systemd-analyze >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's systemd (systemd-analyze) for the unit tests..."; \
	    apt-get install -y -qq systemd >/dev/null 2>&1 || \
	      (apt-get update -qq >/dev/null && apt-get install -y -qq systemd >/dev/null) || \
	      echo "warning: could not install systemd; the unit tests will be skipped"; \
	  else echo "warning: systemd-analyze missing and not root; the unit tests will be skipped"; fi; \
	fi
	@if ! command -v dovecot >/dev/null 2>&1 && [ ! -x /usr/sbin/dovecot ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's dovecot-imapd for the IMAP court-mail tests..."; \
	    apt-get install -y -qq dovecot-imapd >/dev/null 2>&1 || \
	      (apt-get update -qq >/dev/null && apt-get install -y -qq dovecot-imapd >/dev/null) || \
	      echo "warning: could not install dovecot-imapd; the IMAP tests will fail under CI=true"; \
	  else echo "warning: dovecot missing and not root; the IMAP tests will be skipped (they fail under CI=true)"; fi; \
	fi
	@if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's postgresql (no cluster, no service) for the several-instances tests..."; \
	    mkdir -p /etc/postgresql-common/createcluster.d && \
	    echo "create_main_cluster = false  # docketd's make system-deps: tests start their own servers" \
	      > /etc/postgresql-common/createcluster.d/docketd-no-main-cluster.conf; \
	    apt-get install -y -qq postgresql >/dev/null 2>&1 || \
	      (apt-get update -qq >/dev/null && apt-get install -y -qq postgresql >/dev/null) || \
	      echo "warning: could not install postgresql; the PostgreSQL tests will fail under CI=true"; \
	  else echo "warning: postgresql missing and not root; the PostgreSQL tests will be skipped (they fail under CI=true)"; fi; \
	fi

## lint: ruff, then the import contracts in pyproject.toml ([tool.importlinter]) with import-linter
lint: $(VENV)/.installed-test
	$(BIN)/ruff check daemon connectors tests bench
	$(BIN)/lint-imports --no-cache

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

## test: ruff, mypy, the whole pytest suite, then the date-sensitive tests on each hard day
## (pytest exit 5, "no tests", counts as failure-free). Two pytest workers, each taking whole test
## files (--dist loadfile keeps a file's servers and fixtures in one process): serial, the suite had
## grown past CI's 15-minute budget.
test: $(VENV)/.installed-test system-deps lint typecheck
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 --dist loadfile; rc=$$?; if [ $$rc -eq 5 ]; then rc=0; fi; exit $$rc
	$(MAKE) --no-print-directory test-days

## test-days: the tests that depend on the day (marker pinned_day), pinned in turn to each of the
## hard days listed in tests/clock.py (around holidays and the year end), through libfaketime
test-days: $(VENV)/.installed-test system-deps
	@for day in $$($(BIN)/python -c 'from tests.clock import HARD_DAYS; print(*HARD_DAYS)'); do \
	  echo "== date-sensitive tests on $$day"; \
	  DOCKETD_TEST_DAY=$$day $(BIN)/python -m pytest -q -p no:cacheprovider -m pinned_day; rc=$$?; \
	  if [ $$rc -ne 0 ] && [ $$rc -ne 5 ]; then exit $$rc; fi; \
	done

## bench: speed, cost and footprint (never part of make test)
bench: $(VENV)/.installed-test
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
