#!/usr/bin/env bash
# A throwaway MariaDB server for the MySQL connector tests.
#
#   scripts/mariadb-test-server.sh start   # init (first time) and start; idempotent
#   scripts/mariadb-test-server.sh stop    # stop it and delete its data dir
#   scripts/mariadb-test-server.sh env     # print the variables the tests read
#
# The tests' own instance: its own data dir, socket, pid file and port; it listens only on
# 127.0.0.1:$VISIVO_MYSQL_PORT (default 53306). TCP logins need a password: user `visivo`,
# password `visivo-test-pw`, database `visivo_test`; the user has every privilege (tests
# create databases and users of their own and read the processlist). As root the server runs as
# the `mysql` user. Installs mariadb-server through apt when it is missing (as root).
set -euo pipefail

PORT=${VISIVO_MYSQL_PORT:-53306}
DATA=${VISIVO_MYSQL_DATA:-/tmp/visivo-mariadb-test}
USER_NAME=visivo
PASS=visivo-test-pw
DB=visivo_test
MARKER=.visivo-mariadb-test
SOCK="$DATA/mysqld.sock"
MARIADBD=${VISIVO_MARIADBD:-/usr/sbin/mariadbd}

die() { echo "mariadb-test-server: ERROR: $*" >&2; exit 1; }
say() { echo "mariadb-test-server: $*" >&2; }
is_root() { [ "$(id -u)" -eq 0 ]; }

ensure_binaries() {
    if [ -x "$MARIADBD" ] && command -v mariadb-install-db >/dev/null 2>&1 && command -v mariadb >/dev/null 2>&1; then
        return
    fi
    is_root || die "MariaDB server not found ($MARIADBD); install it: apt-get install -y mariadb-server"
    say "installing mariadb-server ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2 || die "apt-get update failed"
    apt-get install -y mariadb-server mariadb-client >&2 || die "apt-get install -y mariadb-server failed"
    [ -x "$MARIADBD" ] || die "mariadb-server installed but $MARIADBD is still missing"
}

server_user() { if is_root; then echo mysql; else id -un; fi; }

# The install script gives the OS user that ran it (root, or yourself) a socket login.
client() { mariadb --no-defaults --protocol=socket -S "$SOCK" -u "$(id -un)" "$@"; }

running() { [ -S "$SOCK" ] && client -e "select 1" >/dev/null 2>&1; }

show_log() {
    if [ -f "$DATA/server.log" ]; then
        echo "----- $DATA/server.log (tail) -----" >&2
        tail -n 40 "$DATA/server.log" >&2 || true
        echo "-----------------------------------" >&2
    fi
}

init_datadir() {
    say "initialising data dir $DATA"
    rm -rf "$DATA"
    mkdir -p "$DATA/db"
    if is_root; then chown -R mysql:mysql "$DATA"; fi
    if ! mariadb-install-db --no-defaults --datadir="$DATA/db" --user="$(server_user)" \
            --auth-root-authentication-method=socket --skip-test-db >"$DATA/install.log" 2>&1; then
        cat "$DATA/install.log" >&2
        die "mariadb-install-db failed"
    fi
    touch "$DATA/$MARKER"
}

cmd_start() {
    ensure_binaries
    cd /tmp
    if running; then
        say "already running (data dir $DATA)"
    else
        if [ ! -f "$DATA/$MARKER" ]; then
            if [ -e "$DATA" ] && [ -n "$(ls -A "$DATA" 2>/dev/null)" ]; then
                die "$DATA exists and is not a visivo test server; remove it or set VISIVO_MYSQL_DATA"
            fi
            init_datadir
        fi
        say "starting on 127.0.0.1:$PORT"
        # --no-defaults: nothing from /etc/mysql; everything this instance uses is here.
        "$MARIADBD" --no-defaults --datadir="$DATA/db" --socket="$SOCK" --pid-file="$DATA/mysqld.pid" \
            --port="$PORT" --bind-address=127.0.0.1 --user="$(server_user)" \
            --log-error="$DATA/server.log" --skip-name-resolve --max-connections=200 \
            --innodb-buffer-pool-size=64M --innodb-log-file-size=16M --innodb-flush-log-at-trx-commit=0 \
            --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
            </dev/null >/dev/null 2>&1 &
        local i
        for i in $(seq 1 120); do
            running && break
            sleep 0.25
        done
        running || { show_log; die "the server did not start (is port $PORT in use? set VISIVO_MYSQL_PORT)"; }
    fi
    client <<EOF || die "could not create the test user and database"
CREATE DATABASE IF NOT EXISTS $DB CHARACTER SET utf8mb4;
CREATE USER IF NOT EXISTS '$USER_NAME'@'127.0.0.1' IDENTIFIED BY '$PASS';
CREATE USER IF NOT EXISTS '$USER_NAME'@'localhost' IDENTIFIED BY '$PASS';
GRANT ALL PRIVILEGES ON *.* TO '$USER_NAME'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO '$USER_NAME'@'localhost' WITH GRANT OPTION;
EOF
    mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$PORT" -u "$USER_NAME" -p"$PASS" "$DB" \
        -e "select 1" >/dev/null || die "TCP password login to $DB failed"
    say "ready: mysql://$USER_NAME@127.0.0.1:$PORT/$DB"
}

cmd_stop() {
    cd /tmp
    if [ ! -e "$DATA" ]; then
        say "not running (no $DATA)"
        return 0
    fi
    [ -f "$DATA/$MARKER" ] || die "$DATA is not a visivo test server; not touching it"
    if [ -f "$DATA/mysqld.pid" ]; then
        local pid
        pid=$(cat "$DATA/mysqld.pid")
        say "stopping"
        kill "$pid" 2>/dev/null || true
        local i
        for i in $(seq 1 120); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.25
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -rf "$DATA"
    say "stopped; removed $DATA"
}

cmd_env() {
    cat <<EOF
export VISIVO_TEST_MYSQL_HOST=127.0.0.1
export VISIVO_TEST_MYSQL_PORT=$PORT
export VISIVO_TEST_MYSQL_USER=$USER_NAME
export VISIVO_TEST_MYSQL_PASSWORD=$PASS
export VISIVO_TEST_MYSQL_DB=$DB
EOF
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    env) cmd_env ;;
    *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
