#!/usr/bin/env bash
# Prints the absolute path of a shared object exporting DuckDB's C API, for
# VISIVO_DUCKDB_LIBRARY (the DuckDB connector and its tests load it with dlopen).
#
#   scripts/duckdb-lib.sh                 # install once (quick afterwards), print the path
#   export VISIVO_DUCKDB_LIBRARY=$(scripts/duckdb-lib.sh)
#
# It installs the PyPI `duckdb` wheel (pinned below) into a virtualenv, by default
# /tmp/visivo-duckdb-venv (override with VISIVO_DUCKDB_VENV; the Python used to create it
# with VISIVO_DUCKDB_PYTHON, default python3). The wheel's `_duckdb.cpython-*.so` carries
# the whole C API; visivo preloads the matching libpython before opening it (see
# docs/sources/duckdb.md). Only the path goes to stdout; progress goes to stderr.
set -euo pipefail

VERSION=2.0.0
VENV=${VISIVO_DUCKDB_VENV:-/tmp/visivo-duckdb-venv}
PYTHON=${VISIVO_DUCKDB_PYTHON:-python3}

die() { echo "duckdb-lib: ERROR: $*" >&2; exit 1; }

# The extension inside the venv, if the pinned version is installed there.
find_lib() {
    local py="$VENV/bin/python"
    [ -x "$py" ] || return 1
    local site
    site=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["platlib"])' 2>/dev/null) || return 1
    ls "$site"/duckdb-"$VERSION".dist-info >/dev/null 2>&1 || return 1
    local lib
    lib=$(ls "$site"/_duckdb.cpython-*.so 2>/dev/null | head -n 1) || return 1
    [ -n "$lib" ] && [ -f "$lib" ] || return 1
    echo "$lib"
}

if lib=$(find_lib); then
    echo "$lib"
    exit 0
fi

command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (set VISIVO_DUCKDB_PYTHON to a Python 3 interpreter)"
if [ ! -x "$VENV/bin/python" ]; then
    echo "duckdb-lib: creating virtualenv $VENV" >&2
    "$PYTHON" -m venv "$VENV" >&2 || die "could not create a virtualenv at $VENV"
fi
echo "duckdb-lib: installing duckdb==$VERSION into $VENV" >&2
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "duckdb==$VERSION" >&2 \
    || die "pip install duckdb==$VERSION failed"
lib=$(find_lib) || die "duckdb==$VERSION installed, but no _duckdb.cpython-*.so found in $VENV"
echo "$lib"
