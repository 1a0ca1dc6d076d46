# docketd — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONFIG ?= config/docketd.example.toml

.PHONY: run test lint typecheck unit bench clean system-deps

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

## system-deps: Debian packages the tests use (headless Chromium for the agenda page, faketime for clock tests,
## Dovecot for the IMAP court-mail tests)
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
	@if ! command -v dovecot >/dev/null 2>&1 && [ ! -x /usr/sbin/dovecot ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's dovecot-imapd for the IMAP court-mail tests..."; \
	    apt-get install -y -qq dovecot-imapd >/dev/null 2>&1 || \
	      (apt-get update -qq >/dev/null && apt-get install -y -qq dovecot-imapd >/dev/null) || \
	      echo "warning: could not install dovecot-imapd; the IMAP tests will fail under CI=true"; \
	  else echo "warning: dovecot missing and not root; the IMAP tests will be skipped (they fail under CI=true)"; fi; \
	fi

lint: $(VENV)/.installed-test
	$(BIN)/ruff check daemon connectors tests bench

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

## test: ruff, mypy and the whole pytest suite (pytest exit 5, "no tests", counts as failure-free)
test: $(VENV)/.installed-test system-deps lint typecheck
	$(BIN)/python -m pytest -q -p no:cacheprovider; rc=$$?; if [ $$rc -eq 5 ]; then rc=0; fi; exit $$rc

## bench: speed, cost and footprint (never part of make test)
bench: $(VENV)/.installed-test
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
