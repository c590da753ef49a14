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
prepare_durable_run

ages=(--ProfileGrid:Memory:ProfileCollectionAge=00:01:05 --ProfileGrid:Memory:IdentityCollectionAge=00:01:05)

echo "== machine: $(nproc) cores; PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on the same machine"
start_walk_silo "${ages[@]}"
echo "== seeding: ${PEOPLE:-20000} people for $SEED (wrk -t2 -c4, batches of ${BATCH:-500})"
RUN="seed$(date +%s)" wrk -t2 -c4 -d"$SEED" --timeout 120s -s $HERE/ingest.lua http://127.0.0.1:5097/v1/events | grep "events/s" || true
stop_walk_silo
start_walk_silo "${ages[@]}"
sleep 3
time_segment_walk cold
for n in $(seq 1 "${WALKS:-2}"); do
  sleep "${GAP:-150}"
  time_segment_walk "warm$n"
done
stop_walk_silo
