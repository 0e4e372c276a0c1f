# visivo: build, run the example, test, benchmark, install.
#   make run    builds and runs examples/quickstart (SQLite only; nothing else needed)
#   make test   installs what the tests need (as root), starts throwaway PostgreSQL and
#               MariaDB servers on loopback (the scripts install them if needed), gets a
#               DuckDB library (scripts/duckdb-lib.sh: the PyPI wheel in a virtualenv),
#               runs every test, stops the servers

PREFIX ?= /usr/local
SWIFT ?= swift
BIN := .build/debug/visivo
APT_PACKAGES := libyaml-dev libsqlite3-dev libpq-dev libmariadb-dev zlib1g-dev sqlite3 graphviz python3 python3-venv openssl

.PHONY: build run example-multi test deps conformance bench install clean

build: deps
	$(SWIFT) build

# Installs the C libraries and tools when something is missing (needs root for apt).
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" -eq 0 ]; then \
	    echo "installing:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "missing packages:$$missing (run: sudo apt-get install$$missing)" >&2; exit 1; \
	  fi; \
	fi

run: build
	cd examples/quickstart && rm -f data/shop.db && sqlite3 data/shop.db < data/shop.sql
	cd examples/quickstart && ../../$(BIN) build
	@echo "trace data is in examples/quickstart/target/"

# examples/multi-source: MySQL + PostgreSQL + a CSV script joined by a local merge
# (starts and stops throwaway servers of its own).
example-multi: build
	examples/multi-source/run.sh

# The reference CLI's outputs, reproduced by `visivo build` on the copied fixtures.
conformance: build
	Tests/Fixtures/conformance/run_all.sh $(CURDIR)/$(BIN) build

test: build
	$(MAKE) conformance
	set -e; \
	duckdb_lib=$$(scripts/duckdb-lib.sh); \
	trap 'scripts/mariadb-test-server.sh stop; scripts/pg-test-server.sh stop' EXIT; \
	scripts/pg-test-server.sh start; \
	scripts/mariadb-test-server.sh start; \
	VISIVO_DUCKDB_LIBRARY="$$duckdb_lib" VISIVO_BINARY=$(CURDIR)/$(BIN) $(SWIFT) test

bench:
	$(SWIFT) build -c release
	python3 benchmarks/run.py

install: deps
	$(SWIFT) build -c release
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 .build/release/visivo $(DESTDIR)$(PREFIX)/bin/visivo

clean:
	rm -rf .build examples/*/target examples/*/.visivo
