#!/usr/bin/env bash
# A throw-away PostgreSQL cluster on loopback, for the tests and for trying server mode.
#   bash scripts/pg_cluster.sh start DIR PORT   initdb DIR (once) and start it; prints its URL
#   bash scripts/pg_cluster.sh stop DIR         stop the cluster started in DIR, by its pid
# Debian's `postgresql` package (scripts/setup.sh installs it) keeps its programs in
# /usr/lib/postgresql/<version>/bin. PostgreSQL refuses to run as root, so when we are root
# (as in CI) the cluster belongs to the `postgres` user the package creates. It trusts local
# connections and listens on 127.0.0.1 only: never use it for real data.
# It runs with fsync=off (the tests need speed, not durability); REGIEBORD_PG_FSYNC=on keeps
# fsync on, as a real server has it (benchmarks/pg_bench.py measures commits that way).
set -euo pipefail
action=${1:?start or stop}
dir=${2:?the cluster directory}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
[ -n "$bin" ] || bin=$(dirname "$(command -v initdb)")
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$action" in
  start)
    port=${3:?the port}
    fsync=${REGIEBORD_PG_FSYNC:-off}
    case "$fsync" in on|off) ;; *) echo "REGIEBORD_PG_FSYNC must be on or off" >&2; exit 2 ;; esac
    if [ ! -f "$dir/PG_VERSION" ]; then
      mkdir -p "$dir"
      [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
      as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir.initdb.log" 2>&1 \
        || { cat "$dir.initdb.log" >&2; exit 1; }
    fi
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=$fsync -c max_connections=200" >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -f "$dir/postmaster.pid" ] || exit 0
    pid=$(head -1 "$dir/postmaster.pid")
    kill -INT "$pid" 2>/dev/null || true   # fast shutdown
    # a fast shutdown still writes a checkpoint: with fsync on and a large store that takes a while
    for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
    echo "PostgreSQL (pid $pid) did not stop" >&2; exit 1
    ;;
  *) echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
