# glasstls: the two commands a person needs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: all test demo bench lint typecheck peers clean compiled test-compiled

all: test

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,cli]'
	touch $(STAMP)

# Real peers for the interop tests: OpenSSL, GnuTLS, curl, Dovecot (IMAP/POP3 STARTTLS, started by the tests from a
# temporary configuration on 127.0.0.1; the package's own service is not used) and tshark (which decrypts a capture with our key
# log), and redis-server (the shared session store of a fleet, started by the tests on 127.0.0.1) from Debian, installed when missing. tshark's package asks whether non-root users may capture: the answer
# is preseeded (no; the test writes its own pcap and needs no capture rights).
peers:
	@missing=""; \
	command -v openssl >/dev/null 2>&1 || missing="$$missing openssl"; \
	command -v gnutls-serv >/dev/null 2>&1 || missing="$$missing gnutls-bin"; \
	command -v curl >/dev/null 2>&1 || missing="$$missing curl"; \
	command -v tshark >/dev/null 2>&1 || missing="$$missing tshark"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || missing="$$missing dovecot-imapd dovecot-pop3d"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian peers:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  echo "wireshark-common wireshark-common/install-setuid boolean false" | $$SUDO debconf-set-selections; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null \
	    || echo "warning: could not install$$missing; their interop tests will be skipped (and fail under CI=true)"; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/mypy

# The whole suite twice (issue 17: CI tests both builds): on the pure package (src/, the reference), then on the
# compiled build (make test-compiled: build/compiled is made, then checked to be what is imported).
test: $(STAMP) peers
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/mypy
	$(PY) -m pytest -q -p no:cacheprovider tests
	$(MAKE) test-compiled

demo: $(STAMP)
	$(PY) -m glasstls demo

# With build/compiled present (make compiled), glasstls.bench adds the compiled build's column.
bench: $(STAMP)
	$(PY) -m glasstls.bench
	$(PY) -m glasstls.bench_aio
	$(PY) -m glasstls.bench_fleet

# The optional accelerated build (issue 17): the protocol core compiled with mypyc into build/compiled (a copy of
# src/glasstls; src/ stays pure Python). Use it with PYTHONPATH=build/compiled.
COMPILED := build/compiled

compiled: $(STAMP)
	$(PY) tools/build_compiled.py

# The whole suite against the compiled build, after checking that every compiled module is imported from its C
# extension. Less tests/test_compiled_build.py, which checks that src/ compiles (the pure run has run it): the
# build under test does not change its answer.
test-compiled: compiled
	PYTHONPATH=$(COMPILED) $(PY) tools/build_compiled.py --verify
	PYTHONPATH=$(COMPILED) $(PY) -m pytest -q -p no:cacheprovider tests --ignore=tests/test_compiled_build.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build
