#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (Debian's PostgreSQL 15).
#
#   scripts/pg-cluster.sh start DIR   # initdb + start on a free loopback port;
#                                     # prints the admin URL and writes DIR/url
#   scripts/pg-cluster.sh stop DIR    # stop it (DIR is left for the caller to remove)
#
# Trust authentication, loopback only (listen_addresses=127.0.0.1), unix
# sockets inside DIR: for tests, never for data anyone keeps. initdb refuses
# to run as root, so as root the cluster runs as the `postgres` user and DIR
# is handed to it. PostgreSQL is installed with apt-get when missing (root).
set -euo pipefail

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
cmd="$1"
dir="$2"

# Runs a command as the cluster's owner: `postgres` when we are root.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 - <<'EOF' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
EOF
}

case "$cmd" in
  start)
    if [ ! -x "$PG_BIN/initdb" ]; then
      if [ "$(id -u)" = 0 ]; then
        (apt-get install -y -q postgresql-15 >/dev/null 2>&1) ||
          { apt-get update -q >/dev/null && apt-get install -y -q postgresql-15 >/dev/null; }
      else
        sudo apt-get update -q >/dev/null && sudo apt-get install -y -q postgresql-15 >/dev/null
      fi
    fi
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [ "$(id -u)" = 0 ]; then
      chown postgres: "$dir"
      # The postgres user must be able to reach DIR (e.g. under /tmp).
      chmod 700 "$dir"
      runuser -u postgres -- test -w "$dir" || {
        echo "$0: the postgres user cannot reach $dir (a parent directory is closed to it); use a directory under /tmp" >&2
        exit 1
      }
    fi
    as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    # Tests run in parallel, each with its own pool: room for many
    # connections. Durability is off: the cluster is thrown away.
    tries=0
    while :; do
      port="$(free_port)"
      if as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null; then
        break
      fi
      tries=$((tries + 1))
      if [ "$tries" -ge 5 ]; then
        cat "$dir/server.log" >&2
        exit 1
      fi
    done
    url="postgres://postgres@127.0.0.1:$port/postgres"
    echo "$url" >"$dir/url.tmp"
    mv "$dir/url.tmp" "$dir/url"
    echo "$url"
    ;;
  stop)
    [ -d "$dir/data" ] || exit 0
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *) usage ;;
esac
