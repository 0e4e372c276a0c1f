#!/usr/bin/env bash
# A throwaway nginx with WebDAV PUT: the HTTP cache server of the remote-cache tests.
#
#   scripts/nginx-cache-server.sh start   # start (idempotent); prints nothing else on stdout
#   scripts/nginx-cache-server.sh stop    # stop it and delete its folder
#   scripts/nginx-cache-server.sh env     # print the variables the tests read
#
# Listens only on 127.0.0.1:$VISIVO_NGINX_PORT (default 58080). Its folder
# ($VISIVO_NGINX_DATA, default /tmp/visivo-nginx-test) holds the config, the logs and the
# stored objects (store/). Locations:
#   /cache/   GET, HEAD and PUT (dav_methods PUT DELETE; create_full_put_path on)
#   /auth/    the same, only with the header "Authorization: Bearer visivo-test-token"
#   /fail500/ answers every request with HTTP 500;  /deny/ with HTTP 403
# Installs nginx through apt when it is missing (as root).
set -euo pipefail

PORT=${VISIVO_NGINX_PORT:-58080}
DATA=${VISIVO_NGINX_DATA:-/tmp/visivo-nginx-test}
NGINX=${VISIVO_NGINX:-/usr/sbin/nginx}
MARKER=.visivo-nginx-test
TOKEN=visivo-test-token

die() { echo "nginx-cache-server: ERROR: $*" >&2; exit 1; }
say() { echo "nginx-cache-server: $*" >&2; }
is_root() { [ "$(id -u)" -eq 0 ]; }

ensure_binary() {
    [ -x "$NGINX" ] && return
    is_root || die "nginx not found ($NGINX); install it: apt-get install -y nginx"
    say "installing nginx ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2 || die "apt-get update failed"
    apt-get install -y nginx >&2 || die "apt-get install -y nginx failed"
    [ -x "$NGINX" ] || die "nginx installed but $NGINX is still missing"
}

running() { [ -f "$DATA/nginx.pid" ] && kill -0 "$(cat "$DATA/nginx.pid")" 2>/dev/null; }

write_config() {
    # As root, nginx's workers run as nobody: the store must be theirs to write.
    local user_line=""
    if is_root; then user_line="user nobody nogroup;"; fi
    cat >"$DATA/nginx.conf" <<CONF
$user_line
worker_processes 1;
pid $DATA/nginx.pid;
error_log $DATA/error.log warn;
daemon on;
events { worker_connections 256; }
http {
    access_log $DATA/access.log;
    client_body_temp_path $DATA/body;
    proxy_temp_path $DATA/proxy;
    fastcgi_temp_path $DATA/fastcgi;
    uwsgi_temp_path $DATA/uwsgi;
    scgi_temp_path $DATA/scgi;
    client_max_body_size 1g;
    server {
        listen 127.0.0.1:$PORT;
        root $DATA/store;
        location /cache/ {
            dav_methods PUT DELETE;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
        }
        location /auth/ {
            if (\$http_authorization != "Bearer $TOKEN") { return 401; }
            dav_methods PUT DELETE;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
        }
        location /fail500/ { return 500; }
        location /deny/ { return 403; }
    }
}
CONF
}

cmd_start() {
    ensure_binary
    if running; then
        say "already running on 127.0.0.1:$PORT"
        return 0
    fi
    if [ -e "$DATA" ] && [ ! -f "$DATA/$MARKER" ]; then
        die "$DATA exists and is not a visivo test server; remove it or set VISIVO_NGINX_DATA"
    fi
    mkdir -p "$DATA/store/cache" "$DATA/store/auth" "$DATA/body"
    touch "$DATA/$MARKER"
    if is_root; then chown -R nobody:nogroup "$DATA/store" "$DATA/body"; fi
    write_config
    "$NGINX" -c "$DATA/nginx.conf" -p "$DATA" -e "$DATA/error.log" >&2 || { tail -n 20 "$DATA/error.log" >&2 || true; die "nginx did not start (is port $PORT in use? set VISIVO_NGINX_PORT)"; }
    local i
    for i in $(seq 1 40); do
        python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$PORT)))" 2>/dev/null && break
        sleep 0.1
    done
    say "ready: http://127.0.0.1:$PORT/cache/"
}

cmd_stop() {
    if [ ! -e "$DATA" ]; then
        say "not running (no $DATA)"
        return 0
    fi
    [ -f "$DATA/$MARKER" ] || die "$DATA is not a visivo test server; not touching it"
    if running; then
        local pid
        pid=$(cat "$DATA/nginx.pid")
        kill "$pid" 2>/dev/null || true
        local i
        for i in $(seq 1 40); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -rf "$DATA"
    say "stopped; removed $DATA"
}

cmd_env() {
    cat <<ENV
export VISIVO_TEST_NGINX_URL=http://127.0.0.1:$PORT
export VISIVO_TEST_NGINX_STORE=$DATA/store
export VISIVO_TEST_NGINX_TOKEN=$TOKEN
ENV
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    env) cmd_env ;;
    *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
