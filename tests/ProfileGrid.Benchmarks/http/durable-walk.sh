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
prepare_durable_run

IFS='|' read -r -a variants <<<"${VARIANTS:-}"
[ ${#variants[@]} -gt 0 ] || variants=("")

echo "== machine: $(nproc) cores; PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on the same machine"
start_walk_silo ${variants[0]}
echo "== seeding: ${PEOPLE:-20000} people for $SEED (wrk -t2 -c4, batches of ${BATCH:-500})"
RUN="seed$(date +%s)" wrk -t2 -c4 -d"$SEED" --timeout 120s -s $HERE/ingest.lua http://127.0.0.1:5097/v1/events | grep "events/s" || true
stop_walk_silo

n=0
for round in $(seq 1 "${ROUNDS:-2}"); do
  for variant in "${variants[@]}"; do
    n=$((n + 1))
    start_walk_silo $variant
    sleep 3
    time_segment_walk "walk$n" "round $round, options '$variant'"
    stop_walk_silo
  done
done
