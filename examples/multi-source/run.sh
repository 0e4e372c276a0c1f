#!/usr/bin/env bash
# Builds this example on a machine with nothing running: starts a throwaway MariaDB and
# PostgreSQL on loopback (their own ports and folders, so test servers are not touched),
# loads data/, runs `visivo build`, and stops both servers again.
#   examples/multi-source/run.sh            (or `make example-multi` at the repository root)
#   KEEP_SERVERS=1 examples/multi-source/run.sh   leaves them running for more builds
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
visivo=${VISIVO:-$root/.build/debug/visivo}
[ -x "$visivo" ] || { echo "build visivo first (swift build), or set VISIVO" >&2; exit 1; }

export VISIVO_MYSQL_PORT=${VISIVO_MYSQL_PORT:-53316} VISIVO_MYSQL_DATA=${VISIVO_MYSQL_DATA:-/tmp/visivo-example-mariadb}
export VISIVO_PG_PORT=${VISIVO_PG_PORT:-55442} VISIVO_PG_DATA=${VISIVO_PG_DATA:-/tmp/visivo-example-pg}
password=visivo-test-pw   # the throwaway servers' password (scripts/*-test-server.sh)

if [ -z "${KEEP_SERVERS:-}" ]; then
    trap '"$root/scripts/mariadb-test-server.sh" stop; "$root/scripts/pg-test-server.sh" stop' EXIT
fi
"$root/scripts/mariadb-test-server.sh" start
"$root/scripts/pg-test-server.sh" start

mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$VISIVO_MYSQL_PORT" -u visivo -p"$password" \
    -e "create database if not exists visivo_example_crm character set utf8mb4"
mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$VISIVO_MYSQL_PORT" -u visivo -p"$password" \
    visivo_example_crm < "$here/data/crm.mysql.sql"
export PGPASSWORD=$password PGOPTIONS="-c client_min_messages=warning"
if [ "$(psql -X -At -h 127.0.0.1 -p "$VISIVO_PG_PORT" -U visivo -d visivo_test \
        -c "select 1 from pg_database where datname = 'visivo_example_warehouse'")" != 1 ]; then
    psql -X -q -h 127.0.0.1 -p "$VISIVO_PG_PORT" -U visivo -d visivo_test -c "create database visivo_example_warehouse"
fi
psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$VISIVO_PG_PORT" -U visivo -d visivo_example_warehouse \
    -f "$here/data/warehouse.pg.sql"
unset PGPASSWORD PGOPTIONS

cd "$here"
CRM_PORT=$VISIVO_MYSQL_PORT CRM_PASSWORD=$password WAREHOUSE_PORT=$VISIVO_PG_PORT WAREHOUSE_PASSWORD=$password \
    "$visivo" build "$@"
echo "trace data is in examples/multi-source/target/"
