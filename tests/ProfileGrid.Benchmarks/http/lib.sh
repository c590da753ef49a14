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

# The durable benchmarks' start: wrk, the published silo in $OUT/silo, the clean-up on exit, and a throwaway
# PostgreSQL ($BENCH_CS) sized for a silo's pools.
prepare_durable_run() {
  ensure_wrk
  publish silo
  stop_everything_on_exit
  start_postgres max_connections=200 shared_buffers=256MB
}

# The durable walks (durable-walk.sh, durable-walk-warm.sh): one silo on $BENCH_CS at 127.0.0.1:5097.
# start_walk_silo [option...]: starts it from $OUT/silo with these further options, logging to $OUT/silo.log.
start_walk_silo() {
  (cd "$OUT/silo" && exec dotnet ProfileGrid.Silo.dll --urls http://127.0.0.1:5097 \
    --ProfileGrid:Storage=Postgres "--ConnectionStrings:Postgres=$BENCH_CS" --ProfileGrid:Demo=false \
    --ProfileGrid:SiloPort=21912 --ProfileGrid:GatewayPort=31912 --Logging:LogLevel:Default=Warning "$@" >>"$OUT/silo.log" 2>&1) &
  wait_ready http://127.0.0.1:5097 "$OUT/silo.log"
}

# stop_walk_silo: SIGTERM, then wait until it is gone.
stop_walk_silo() {
  pkill -TERM -f "ProfileGrid.Silo.dll --urls http://127.0.0.1:5097" || true
  while pgrep -f "ProfileGrid.Silo.dll --urls http://127.0.0.1:5097" >/dev/null; do sleep 0.5; done
}

# time_segment_walk ID [label]: defines segment ID (bought in the last 30 days) and prints how long its
# evaluation over every existing profile took, with the segment's final evaluation and size.
time_segment_walk() {
  local id=$1 started answer
  local gql=(curl -s http://127.0.0.1:5097/graphql -H 'content-type: application/json' -d)
  started=$(date +%s.%N)
  "${gql[@]}" "{\"query\":\"mutation { defineSegment(input: { id: \\\"$id\\\", name: \\\"$id\\\", expression: \\\"exists(events where type = \\\\\\\"commerce.purchase\\\\\\\" within 30d)\\\" }) { id } }\"}" >/dev/null
  while true; do
    answer=$("${gql[@]}" "{\"query\":\"{ segment(id: \\\"$id\\\") { evaluation { status evaluated total } size } }\"}")
    case "$answer" in *COMPLETED*) break ;; esac
    sleep 0.2
  done
  echo "== ${2:-$id}: evaluated in $(echo "$(date +%s.%N) - $started" | bc) s: $answer"
}
