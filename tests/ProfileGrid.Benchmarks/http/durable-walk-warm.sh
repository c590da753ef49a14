#!/usr/bin/env bash
# A new segment's batch evaluation over durable profiles on a warm silo: PEOPLE people (default
# 20,000) are ingested into a silo on PostgreSQL; a fresh silo, whose profiles and identities are
# collected 65 s after their last use, walks once (cold: JIT, first-tier code), and then WALKS more
# times (default 2), GAP seconds apart (default 150, so that every profile is collected and read
# back from PostgreSQL again). Prints each walk's time.
#   tests/ProfileGrid.Benchmarks/http/durable-walk-warm.sh [seed duration, default 20s]
set -euo pipefail
cd "$(dirname "$0")/../../.."
SEED=${1:-20s}
HERE=tests/ProfileGrid.Benchmarks/http

. $HERE/lib.sh
ensure_wrk
publish silo
stop_everything_on_exit
start_postgres max_connections=200 shared_buffers=256MB

start_silo() {
  (cd "$OUT/silo" && exec dotnet ProfileGrid.Silo.dll --urls http://127.0.0.1:5097 \
    --ProfileGrid:Storage=Postgres "--ConnectionStrings:Postgres=$BENCH_CS" --ProfileGrid:Demo=false \
    --ProfileGrid:SiloPort=21912 --ProfileGrid:GatewayPort=31912 --Logging:LogLevel:Default=Warning \
    --ProfileGrid:Memory:ProfileCollectionAge=00:01:05 --ProfileGrid:Memory:IdentityCollectionAge=00:01:05 ${EXTRA:-} >>"$OUT/silo.log" 2>&1) &
  wait_ready http://127.0.0.1:5097 "$OUT/silo.log"
}
stop_silo() {
  pkill -TERM -f "ProfileGrid.Silo.dll --urls http://127.0.0.1:5097" || true
  while pgrep -f "ProfileGrid.Silo.dll --urls http://127.0.0.1:5097" >/dev/null; do sleep 0.5; done
}
gql() { curl -s http://127.0.0.1:5097/graphql -H 'content-type: application/json' -d "$1"; }
walk() {
  local id=$1 started
  started=$(date +%s.%N)
  gql "{\"query\":\"mutation { defineSegment(input: { id: \\\"$id\\\", name: \\\"$id\\\", expression: \\\"exists(events where type = \\\\\\\"commerce.purchase\\\\\\\" within 30d)\\\" }) { id } }\"}" >/dev/null
  while true; do
    answer=$(gql "{\"query\":\"{ segment(id: \\\"$id\\\") { evaluation { status evaluated total } size } }\"}")
    case "$answer" in *COMPLETED*) break ;; esac
    sleep 0.2
  done
  echo "== $id: evaluated in $(echo "$(date +%s.%N) - $started" | bc) s: $answer"
}

echo "== machine: $(nproc) cores; PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on the same machine"
start_silo
echo "== seeding: ${PEOPLE:-20000} people for $SEED (wrk -t2 -c4, batches of ${BATCH:-500})"
RUN="seed$(date +%s)" wrk -t2 -c4 -d"$SEED" --timeout 120s -s $HERE/ingest.lua http://127.0.0.1:5097/v1/events | grep "events/s" || true
stop_silo
start_silo
sleep 3
walk cold
for n in $(seq 1 "${WALKS:-2}"); do
  sleep "${GAP:-150}"
  walk "warm$n"
done
stop_silo
