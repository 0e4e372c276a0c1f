# visivo: build, run the example, test, benchmark, install.
#   make run    builds and runs examples/quickstart (SQLite only; nothing else needed)
#   make test   installs what the tests need (as root), starts a throwaway PostgreSQL
#               on loopback (scripts/pg-test-server.sh installs it if needed),
#               runs every test, stops the server

PREFIX ?= /usr/local
SWIFT ?= swift
BIN := .build/debug/visivo
APT_PACKAGES := libyaml-dev libsqlite3-dev libpq-dev zlib1g-dev sqlite3 graphviz python3

.PHONY: build run test deps conformance bench install clean

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

# The reference CLI's outputs, reproduced by `visivo build` on the copied fixtures.
conformance: build
	Tests/Fixtures/conformance/run_all.sh $(CURDIR)/$(BIN) build

test: build
	$(MAKE) conformance
	scripts/pg-test-server.sh start
	status=0; VISIVO_BINARY=$(CURDIR)/$(BIN) $(SWIFT) test || status=$$?; \
	  scripts/pg-test-server.sh stop; exit $$status

bench:
	$(SWIFT) build -c release
	python3 benchmarks/run.py

install: deps
	$(SWIFT) build -c release
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 .build/release/visivo $(DESTDIR)$(PREFIX)/bin/visivo

clean:
	rm -rf .build examples/*/target examples/*/.visivo
