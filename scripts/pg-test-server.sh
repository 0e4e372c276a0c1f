#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for the PostgreSQL connector tests.
#
#   scripts/pg-test-server.sh start   # init (first time) and start; idempotent
#   scripts/pg-test-server.sh stop    # stop it and delete its data dir
#   scripts/pg-test-server.sh env     # print the variables the tests read
#
# It listens only on 127.0.0.1:$VISIVO_PG_PORT (default 55432); its unix socket lives
# inside the data dir. TCP logins need a password (scram-sha-256): superuser `visivo`,
# password `visivo-test-pw`, database `visivo_test`. PostgreSQL refuses to run as root,
# so under root everything server-side runs as the `postgres` user.
set -euo pipefail

PGBIN=${VISIVO_PG_BIN:-/usr/lib/postgresql/15/bin}
PORT=${VISIVO_PG_PORT:-55432}
DATA=${VISIVO_PG_DATA:-/tmp/visivo-pg-test}
PGUSER_NAME=visivo
PGPASS=visivo-test-pw
PGDB=visivo_test
MARKER=.visivo-pg-test   # written into the data dir; `stop` deletes only dirs carrying it

die() { echo "pg-test-server: ERROR: $*" >&2; exit 1; }
say() { echo "pg-test-server: $*" >&2; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Runs a command as the user that owns the server.
as_pg() {
    if is_root; then
        if command -v runuser >/dev/null 2>&1; then
            runuser -u postgres -- "$@"
        else
            su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"
    fi
}

ensure_binaries() {
    if [ -x "$PGBIN/postgres" ] && [ -x "$PGBIN/initdb" ] && [ -x "$PGBIN/pg_ctl" ]; then
        return
    fi
    if ! is_root; then
        die "PostgreSQL 15 server binaries not found in $PGBIN; install the postgresql-15 package (apt-get install -y postgresql-15) or run this script as root"
    fi
    say "installing postgresql-15 ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2 || die "apt-get update failed"
    apt-get install -y postgresql-15 >&2 || die "apt-get install -y postgresql-15 failed"
    [ -x "$PGBIN/postgres" ] || die "postgresql-15 installed but $PGBIN/postgres is still missing"
}

ensure_pg_user() {
    is_root || return 0
    if ! id postgres >/dev/null 2>&1; then
        say "creating system user postgres"
        useradd --system --no-create-home --home-dir /var/lib/postgresql --shell /bin/sh postgres \
            || die "could not create the postgres user"
    fi
}

psql_local() {
    # Over the unix socket in the data dir, as the superuser, with its password.
    as_pg env PGPASSWORD="$PGPASS" "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 \
        -h "$DATA" -p "$PORT" -U "$PGUSER_NAME" "$@"
}

running() { as_pg "$PGBIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1; }

show_log() {
    if [ -f "$DATA/server.log" ]; then
        echo "----- $DATA/server.log (tail) -----" >&2
        tail -n 40 "$DATA/server.log" >&2 || true
        echo "-----------------------------------" >&2
    fi
}

init_cluster() {
    say "initialising cluster in $DATA"
    rm -rf "$DATA"
    mkdir -p "$DATA"
    chmod 700 "$DATA"
    if is_root; then chown postgres:postgres "$DATA"; fi

    local pwdir pwfile
    pwdir=$(mktemp -d)
    pwfile="$pwdir/pw"
    printf '%s\n' "$PGPASS" >"$pwfile"
    chmod 600 "$pwfile"
    if is_root; then chown -R postgres:postgres "$pwdir"; fi
    if ! as_pg "$PGBIN/initdb" -D "$DATA" -U "$PGUSER_NAME" --pwfile="$pwfile" \
            --auth-host=scram-sha-256 --auth-local=scram-sha-256 \
            --encoding=UTF8 --locale=C.UTF-8 >"$pwdir/initdb.log" 2>&1; then
        cat "$pwdir/initdb.log" >&2
        rm -rf "$pwdir"
        die "initdb failed"
    fi
    rm -rf "$pwdir"

    as_pg sh -c "cat >> '$DATA/postgresql.conf'" <<EOF

# visivo test server
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DATA'
password_encryption = 'scram-sha-256'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
EOF
    as_pg touch "$DATA/$MARKER"
}

cmd_start() {
    ensure_binaries
    ensure_pg_user
    cd /tmp  # the postgres user may not be able to read the caller's directory

    if [ -f "$DATA/PG_VERSION" ] && running; then
        say "already running (data dir $DATA)"
    else
        if [ ! -f "$DATA/PG_VERSION" ] || [ ! -f "$DATA/$MARKER" ] || [ ! -f "$DATA/global/pg_control" ]; then
            if [ -e "$DATA" ] && [ -n "$(ls -A "$DATA" 2>/dev/null)" ] && [ ! -f "$DATA/$MARKER" ]; then
                die "$DATA exists and is not a visivo test cluster; remove it or set VISIVO_PG_DATA"
            fi
            init_cluster
        fi
        say "starting on 127.0.0.1:$PORT"
        if ! as_pg "$PGBIN/pg_ctl" start -D "$DATA" -l "$DATA/server.log" -w -t 60 >/dev/null; then
            show_log
            die "the server did not start (is port $PORT already in use? set VISIVO_PG_PORT)"
        fi
    fi

    local i
    for i in $(seq 1 60); do
        if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then break; fi
        sleep 0.5
    done
    if ! "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
        show_log
        die "the server is not accepting connections on 127.0.0.1:$PORT"
    fi

    # The test database (created once; also repairs a half-finished earlier start).
    local exists
    exists=$(psql_local -d postgres -At -c "select 1 from pg_database where datname = '$PGDB'") \
        || { show_log; die "could not log in as $PGUSER_NAME over the socket"; }
    if [ "$exists" != "1" ]; then
        psql_local -d postgres -c "create database $PGDB" || die "could not create database $PGDB"
    fi

    # Prove a password login over TCP works, as the tests will do it.
    PGPASSWORD="$PGPASS" "$PGBIN/psql" -X -q -At -h 127.0.0.1 -p "$PORT" -U "$PGUSER_NAME" -d "$PGDB" \
        -c "select 1" >/dev/null || die "TCP password login to $PGDB failed"
    say "ready: postgresql://$PGUSER_NAME@127.0.0.1:$PORT/$PGDB"
}

cmd_stop() {
    cd /tmp
    if [ ! -e "$DATA" ]; then
        say "not running (no $DATA)"
        return 0
    fi
    if [ ! -f "$DATA/$MARKER" ] && [ -n "$(ls -A "$DATA" 2>/dev/null)" ]; then
        die "$DATA is not a visivo test cluster; not touching it"
    fi
    if [ -x "$PGBIN/pg_ctl" ] && [ -f "$DATA/PG_VERSION" ] && running; then
        say "stopping"
        as_pg "$PGBIN/pg_ctl" stop -D "$DATA" -m fast -w -t 60 >/dev/null || die "pg_ctl stop failed"
    fi
    rm -rf "$DATA"
    say "stopped; removed $DATA"
}

cmd_env() {
    cat <<EOF
export VISIVO_TEST_PG_HOST=127.0.0.1
export VISIVO_TEST_PG_PORT=$PORT
export VISIVO_TEST_PG_USER=$PGUSER_NAME
export VISIVO_TEST_PG_PASSWORD=$PGPASS
export VISIVO_TEST_PG_DB=$PGDB
EOF
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    env) cmd_env ;;
    *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
