#!/usr/bin/env bash
# A new segment's batch evaluation over durable profiles none of which is in memory: PEOPLE people
# (default 20,000) are ingested into a silo on PostgreSQL, then ROUNDS times (default 2) a fresh silo
# process starts, a segment is defined, and the time until its evaluation is COMPLETED is printed
# (every profile is read back from PostgreSQL, evaluated, and its membership stored).
#   tests/ProfileGrid.Benchmarks/http/durable-walk.sh [seed duration, default 20s]
# VARIANTS: silo option sets to compare on the same data, separated by '|', each run in every round
# (the seeding uses the first), e.g. VARIANTS='|--ProfileGrid:Postgres:GrainStorage=Orleans'.
set -euo pipefail
cd "$(dirname "$0")/../../.."
SEED=${1:-20s}
HERE=tests/ProfileGrid.Benchmarks/http

. $HERE/lib.sh
ensure_wrk
publish silo
stop_everything_on_exit
start_postgres max_connections=200 shared_buffers=256MB

IFS='|' read -r -a variants <<<"${VARIANTS:-}"
[ ${#variants[@]} -gt 0 ] || variants=("")

# start_silo [options]: a silo on the benchmark's database, with these further options.
start_silo() {
  (cd "$OUT/silo" && exec dotnet ProfileGrid.Silo.dll --urls http://127.0.0.1:5097 \
    --ProfileGrid:Storage=Postgres "--ConnectionStrings:Postgres=$BENCH_CS" --ProfileGrid:Demo=false \
    --ProfileGrid:SiloPort=21912 --ProfileGrid:GatewayPort=31912 --Logging:LogLevel:Default=Warning ${1:-} >>"$OUT/silo.log" 2>&1) &
  wait_ready http://127.0.0.1:5097 "$OUT/silo.log"
}
stop_silo() {
  pkill -TERM -f "ProfileGrid.Silo.dll --urls http://127.0.0.1:5097" || true
  while pgrep -f "ProfileGrid.Silo.dll --urls http://127.0.0.1:5097" >/dev/null; do sleep 0.5; done
}
gql() { curl -s http://127.0.0.1:5097/graphql -H 'content-type: application/json' -d "$1"; }

echo "== machine: $(nproc) cores; PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on the same machine"
start_silo "${variants[0]}"
echo "== seeding: ${PEOPLE:-20000} people for $SEED (wrk -t2 -c4, batches of ${BATCH:-500})"
RUN="seed$(date +%s)" wrk -t2 -c4 -d"$SEED" --timeout 120s -s $HERE/ingest.lua http://127.0.0.1:5097/v1/events | grep "events/s" || true
stop_silo

n=0
for round in $(seq 1 "${ROUNDS:-2}"); do
  for variant in "${variants[@]}"; do
    n=$((n + 1))
    start_silo "$variant"
    sleep 3
    id="walk$n"
    started=$(date +%s.%N)
    gql "{\"query\":\"mutation { defineSegment(input: { id: \\\"$id\\\", name: \\\"$id\\\", expression: \\\"exists(events where type = \\\\\\\"commerce.purchase\\\\\\\" within 30d)\\\" }) { id } }\"}" >/dev/null
    while true; do
      answer=$(gql "{\"query\":\"{ segment(id: \\\"$id\\\") { evaluation { status evaluated total } size } }\"}")
      case "$answer" in *COMPLETED*) break ;; esac
      sleep 0.2
    done
    echo "== round $round, options '${variant}': evaluated in $(echo "$(date +%s.%N) - $started" | bc) s: $answer"
    stop_silo
  done
done
