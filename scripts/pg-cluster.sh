#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (Debian's PostgreSQL 15).
#
#   scripts/pg-cluster.sh start DIR   # initdb + start on a free loopback port;
#                                     # prints the admin URL and writes DIR/url
#   scripts/pg-cluster.sh stop DIR    # stop it (DIR is left for the caller to remove)
#   scripts/pg-cluster.sh replica DIR PRIMARY_DIR
#                                     # a streaming replica of the cluster in
#                                     # PRIMARY_DIR (pg_basebackup -R), hot standby,
#                                     # on its own port; prints its URL, writes DIR/url
#
# PG_DURABLE=1 keeps PostgreSQL's durability (fsync, synchronous_commit,
# full_page_writes) for benchmarks; by default it is off (tests).
#
# Trust authentication, loopback only (listen_addresses=127.0.0.1), unix
# sockets inside DIR: for tests, never for data anyone keeps. initdb refuses
# to run as root, so as root the cluster runs as the `postgres` user and DIR
# is handed to it. PostgreSQL is installed with apt-get when missing (root).
set -euo pipefail

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

usage() {
  echo "usage: $0 start|stop DIR | replica DIR PRIMARY_DIR" >&2
  exit 2
}
[ $# -ge 2 ] || usage
cmd="$1"
dir="$2"
if [ "${PG_DURABLE:-0}" = 1 ]; then
  durability=""
else
  durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
fi

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

# Starts the cluster in DIR/data on a free loopback port; prints its URL.
run_cluster() {
    tries=0
    while :; do
      port="$(free_port)"
      if as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=400 $durability" \
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
}

# Makes DIR (absolute) the owner's.
own_dir() {
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
}

case "$cmd" in
  replica)
    [ $# -eq 3 ] || usage
    primary_url="$(cat "$3/url")"
    hostport="${primary_url#postgres://postgres@}"
    hostport="${hostport%%/*}"
    own_dir
    as_owner "$PG_BIN/pg_basebackup" -h "${hostport%:*}" -p "${hostport#*:}" -U postgres \
      -D "$dir/data" -R -X stream -c fast >"$dir/basebackup.log" 2>&1 ||
      { cat "$dir/basebackup.log" >&2; exit 1; }
    run_cluster
    ;;
  start)
    if [ ! -x "$PG_BIN/initdb" ]; then
      if [ "$(id -u)" = 0 ]; then
        (apt-get install -y -q postgresql-15 >/dev/null 2>&1) ||
          { apt-get update -q >/dev/null && apt-get install -y -q postgresql-15 >/dev/null; }
      else
        sudo apt-get update -q >/dev/null && sudo apt-get install -y -q postgresql-15 >/dev/null
      fi
    fi
    own_dir
    as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    # Tests run in parallel, each with its own pool: room for many
    # connections. Durability is off unless PG_DURABLE=1: the cluster is
    # thrown away.
    run_cluster
    ;;
  stop)
    [ -d "$dir/data" ] || exit 0
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *) usage ;;
esac
