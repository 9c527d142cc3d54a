#!/usr/bin/env bash
# A throw-away PostgreSQL cluster on loopback, for the tests and for trying server mode.
#   bash scripts/pg_cluster.sh start DIR PORTS  initdb DIR (once) and start it on the first port
#                                               of PORTS (55432, or a range 55432-55439) it can
#                                               bind; prints its URL
#   bash scripts/pg_cluster.sh stop DIR         stop the cluster started in DIR, by its pid
# A port is free when the server can bind it, so the server itself tries each port: a probe
# that connects misses a port held by a socket that does not listen (a client's own end, a
# server still starting), and two probers can pick the same port.
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
    ports=${3:?the port or a range of ports, such as 55432-55439}
    low=${ports%-*}; high=${ports#*-}
    fsync=${REGIEBORD_PG_FSYNC:-off}
    case "$fsync" in on|off) ;; *) echo "REGIEBORD_PG_FSYNC must be on or off" >&2; exit 2 ;; esac
    if [ ! -f "$dir/PG_VERSION" ]; then
      mkdir -p "$dir"
      [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
      as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir.initdb.log" 2>&1 \
        || { cat "$dir.initdb.log" >&2; exit 1; }
    fi
    for port in $(seq "$low" "$high"); do
      rm -f "$dir/server.log"   # each try its own log (pg_ctl creates it as the owner)
      if as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start \
        -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=$fsync -c max_connections=200" >/dev/null; then
        echo "postgresql://postgres@127.0.0.1:$port/postgres"
        exit 0
      fi
      grep -q "could not create any TCP/IP sockets" "$dir/server.log" || { cat "$dir/server.log" >&2; exit 1; }
    done
    cat "$dir/server.log" >&2
    echo "no port of $ports could be bound on 127.0.0.1" >&2
    exit 1
    ;;
  stop)
    [ -f "$dir/postmaster.pid" ] || exit 0
    pid=$(head -1 "$dir/postmaster.pid")
    kill -INT "$pid" 2>/dev/null || true   # fast shutdown
    # a fast shutdown still writes a checkpoint: with fsync on and a large store that takes a while
    for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
    echo "PostgreSQL (pid $pid) did not stop" >&2; exit 1
    ;;
  *) echo "usage: $0 start DIR PORTS | stop DIR" >&2; exit 2 ;;
esac
