# What the HTTP benchmark scripts share; sourced from the repository root. OUT is the run's temp folder.
OUT=$(mktemp -d)

# wrk from Debian's package when the machine lacks it.
ensure_wrk() {
  command -v wrk >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }
}

# publish PROJECT: a Release build of a host into $OUT/PROJECT; the build log is shown when it fails.
publish() {
  dotnet publish "$1" -c Release -o "$OUT/$1" --nologo -v q >"$OUT/build.log" || { cat "$OUT/build.log"; exit 1; }
}

# The benchmark program itself (its `bare` and `segments` commands).
build_benchmarks() {
  dotnet build tests/ProfileGrid.Benchmarks -c Release --nologo -v q >"$OUT/build.log" || { cat "$OUT/build.log"; exit 1; }
}

# PostgreSQL's binaries (the newest on the machine unless PGBIN says), run as the postgres user under root.
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# start_postgres [server setting...]: a throwaway server in $OUT/pg on a free loopback port (PGPORT), trust
# authentication, fsync on (durability is what the durable benchmarks measure); each setting as `-c name=value`.
# BENCH_CS is the connection string of the benchmarks' database on it (the silo creates the database).
start_postgres() {
  PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  chmod 755 "$OUT"
  mkdir -p "$OUT/pg" && { [ "$(id -u)" != 0 ] || chown postgres "$OUT/pg"; }
  as_postgres "$PGBIN/initdb" -D "$OUT/pg/data" -U postgres --auth=trust -E UTF8 >"$OUT/initdb.log"
  local settings="" setting
  for setting in "$@"; do settings+=" -c $setting"; done
  as_postgres "$PGBIN/pg_ctl" -D "$OUT/pg/data" -l "$OUT/pg/server.log" -w \
    -o "-p $PGPORT -k $OUT/pg -c listen_addresses=127.0.0.1$settings" start >/dev/null
  BENCH_CS="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=profilegrid_bench"
}

# psql_q DATABASE QUERY: one value from the throwaway server, or "?" when the query fails.
psql_q() { as_postgres "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -d "$1" -tAc "$2" 2>/dev/null || echo "?"; }

# wait_for LOG CURL_ARGS...: until `curl -sf CURL_ARGS` succeeds (3 minutes at most); else the end of LOG and exit 1.
wait_for() {
  local log=$1; shift
  for _ in $(seq 1 360); do curl -sf "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "timed out waiting for: $*" >&2; [ ! -f "$log" ] || tail -30 "$log" >&2; exit 1
}

# wait_ready URL LOG: until the silo or gateway at URL answers /health/ready.
wait_ready() { wait_for "$2" "$1/health/ready"; }

# wait_for_demo URL LOG: until the Luma demo is loaded there (its traits come last: Sarah has her loyalty tier).
wait_for_demo() {
  local query='{"query":"{ profile(namespace: \"email\", id: \"sarah@luma.example\") { traits } }"}'
  for _ in $(seq 1 360); do
    curl -s "$1/graphql" -H 'content-type: application/json' -d "$query" 2>/dev/null | grep -q loyaltyTier && return 0
    sleep 0.5
  done
  echo "the demo did not load at $1" >&2; tail -30 "$2" >&2; exit 1
}

# On exit: stop the processes this script started and the throwaway PostgreSQL, and remove $OUT.
stop_everything_on_exit() {
  trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true
        [ ! -d "$OUT/pg/data" ] || as_postgres "$PGBIN/pg_ctl" -D "$OUT/pg/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$OUT"' EXIT
}
