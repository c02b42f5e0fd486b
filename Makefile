# glasstls: the two commands a person needs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: all test demo bench lint typecheck peers clean

all: test

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,cli]'
	touch $(STAMP)

# Real peers for the interop tests: OpenSSL, GnuTLS, curl, Dovecot (IMAP/POP3 STARTTLS, started by the tests from a
# temporary configuration on 127.0.0.1; the package's own service is not used) and tshark (which decrypts a capture with our key
# log) from Debian, installed when missing. tshark's package asks whether non-root users may capture: the answer
# is preseeded (no; the test writes its own pcap and needs no capture rights).
peers:
	@missing=""; \
	command -v openssl >/dev/null 2>&1 || missing="$$missing openssl"; \
	command -v gnutls-serv >/dev/null 2>&1 || missing="$$missing gnutls-bin"; \
	command -v curl >/dev/null 2>&1 || missing="$$missing curl"; \
	command -v tshark >/dev/null 2>&1 || missing="$$missing tshark"; \
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

test: $(STAMP) peers
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/mypy
	$(PY) -m pytest -q -p no:cacheprovider tests

demo: $(STAMP)
	$(PY) -m glasstls demo

bench: $(STAMP)
	$(PY) -m glasstls.bench
	$(PY) -m glasstls.bench_aio

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
