# visivo: build, run the example, test, benchmark, install.
#   make run    builds and runs examples/quickstart (SQLite only; nothing else needed),
#               writes its dashboards to examples/quickstart/dist and says how to look
#   make test   installs what the tests need (as root: Debian's chromium for the browser
#               tests), starts throwaway PostgreSQL and MariaDB servers and an nginx WebDAV
#               cache server on loopback (the scripts install them if needed), gets a DuckDB library
#               (scripts/duckdb-lib.sh: the PyPI wheel in a virtualenv), runs every test
#               (Swift, the viewer's JavaScript under node, the browser tests under
#               pytest, a short crash-and-fault run), stops the servers
#   make fuzz / make torture   longer runs of the loader fuzzer and the crash-and-fault test

PREFIX ?= /usr/local
SWIFT ?= swift
BIN := .build/debug/visivo
APT_PACKAGES := libyaml-dev libsqlite3-dev libpq-dev libmariadb-dev zlib1g-dev sqlite3 graphviz python3 python3-venv openssl
# What only the tests need: a real browser and fonts for it to draw text with.
TEST_APT_PACKAGES := chromium fonts-liberation
TEST_VENV := .build/test-venv

# swift format with the checked-in .swift-format (the toolchain ships it).
SWIFT_SOURCES := Package.swift Sources Tests Plugins

.PHONY: lint format build plotly run example-multi test test-deps js-test browser-test deps conformance bench install clean fuzz torture

build: deps plotly
	$(SWIFT) build

# `make lint` fails on any formatting difference, and on a module importing one of its own
# layer or above (scripts/layers.py, docs/architecture.md); `make format` rewrites the files.
lint:
	$(SWIFT) format lint --strict -r $(SWIFT_SOURCES)
	python3 scripts/layers.py

format:
	$(SWIFT) format -i -r $(SWIFT_SOURCES)

# plotly.js from the PyPI plotly wheel into .build/plotly (never committed, no CDN).
plotly:
	@scripts/plotly-js.sh >/dev/null

# Installs the C libraries and tools when something is missing (needs root for apt).
deps:
	@scripts/apt-ensure.sh $(APT_PACKAGES)

# The browser, and a virtualenv with pytest for the browser tests.
test-deps: deps
	@scripts/apt-ensure.sh $(TEST_APT_PACKAGES)
	@[ -x $(TEST_VENV)/bin/pytest ] || { python3 -m venv $(TEST_VENV) && $(TEST_VENV)/bin/pip install -q pytest==9.0.3; }

run: build
	cd examples/quickstart && rm -f data/shop.db && sqlite3 data/shop.db < data/shop.sql
	cd examples/quickstart && ../../$(BIN) dist
	@echo
	@echo "The quickstart's dashboards are built. To look at them:"
	@echo "  open $(CURDIR)/examples/quickstart/dist/index.html in a browser (no server needed), or"
	@echo "  cd examples/quickstart && ../../$(BIN) serve    # then open http://127.0.0.1:8000/; edits redraw the page"

# examples/multi-source: MySQL + PostgreSQL + a CSV script joined by a local merge
# (starts and stops throwaway servers of its own).
example-multi: build
	examples/multi-source/run.sh

# The reference CLI's outputs, reproduced by `visivo build` on the copied fixtures.
conformance: build
	Tests/Fixtures/conformance/run_all.sh $(CURDIR)/$(BIN) build

# The viewer's pure JavaScript (props merge, column(), grid, selectors, tables, markdown).
js-test:
	node --test Tests/ViewerJS/

# The viewer in a real browser (headless chromium over the DevTools protocol), through
# `visivo dist` from file:// and through `visivo serve`.
browser-test: build test-deps
	VISIVO_BINARY=$(CURDIR)/$(BIN) $(TEST_VENV)/bin/pytest -q Tests/Browser

# Mutated project files against `visivo compile` (scripts/fuzz.py); what crashes or hangs
# is saved to Tests/Fixtures/fuzz/found, which the Swift tests load from then on.
FUZZ_SECONDS ?= 60
fuzz: build
	python3 scripts/fuzz.py --binary $(CURDIR)/$(BIN) --seconds $(FUZZ_SECONDS)

# kill -9 during builds and prunes, and damage to every file under .visivo/, each followed
# by a build compared with a clean build's outputs (scripts/torture.py; seconds per phase).
TORTURE_SECONDS ?= 30
torture: build
	python3 scripts/torture.py --binary $(CURDIR)/$(BIN) --seconds $(TORTURE_SECONDS)

test: deps lint build test-deps
	$(MAKE) conformance
	$(MAKE) js-test
	$(MAKE) torture TORTURE_SECONDS=15
	$(MAKE) browser-test
	set -e; \
	duckdb_lib=$$(scripts/duckdb-lib.sh); \
	trap 'scripts/nginx-cache-server.sh stop; scripts/mariadb-test-server.sh stop; scripts/pg-test-server.sh stop' EXIT; \
	scripts/pg-test-server.sh start; \
	scripts/mariadb-test-server.sh start; \
	scripts/nginx-cache-server.sh start; \
	VISIVO_DUCKDB_LIBRARY="$$duckdb_lib" VISIVO_BINARY=$(CURDIR)/$(BIN) $(SWIFT) test

bench: test-deps plotly
	$(SWIFT) build -c release
	python3 benchmarks/run.py
	python3 benchmarks/viewer.py

install: deps plotly
	$(SWIFT) build -c release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/visivo
	install -m 755 .build/release/visivo $(DESTDIR)$(PREFIX)/bin/visivo
	install -m 644 .build/plotly/plotly.min.js $(DESTDIR)$(PREFIX)/share/visivo/plotly.min.js

clean:
	rm -rf .build examples/*/target examples/*/.visivo examples/*/dist
