#!/usr/bin/env bash
# Durable ingestion over HTTP with one silo on PostgreSQL: every event is in the PostgreSQL event
# log (group commit, synchronous_commit on) before the batch is answered; grain state goes through the
# silo's grain storage (ProfileGrid:Postgres:GrainStorage, passed on with EXTRA, e.g.
# EXTRA=--ProfileGrid:Postgres:GrainStorage=Orleans). Starts a throwaway PostgreSQL 15 in a temp folder.
# Usage: tests/ProfileGrid.Benchmarks/http/durable-ingest.sh [duration, default 20s] [connections, default 4]
#   BATCH (events per request, default 500) and PEOPLE (distinct people, default 20000) as in ingest.lua.
set -euo pipefail
cd "$(dirname "$0")/../../.."
DURATION=${1:-20s}
CONNECTIONS=${2:-4}
HERE=tests/ProfileGrid.Benchmarks/http

. $HERE/lib.sh
prepare_durable_run

(cd "$OUT/silo" && exec dotnet ProfileGrid.Silo.dll --urls http://127.0.0.1:5097 \
  --ProfileGrid:Storage=Postgres "--ConnectionStrings:Postgres=$BENCH_CS" --ProfileGrid:Demo=false \
  --ProfileGrid:SiloPort=21912 --ProfileGrid:GatewayPort=31912 --Logging:LogLevel:Default=Warning ${EXTRA:-} >"$OUT/silo.log" 2>&1) &

wait_ready http://127.0.0.1:5097 "$OUT/silo.log"

echo "== machine: $(nproc) cores, $(uname -r); PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on the same machine"
echo "== warm-up (5s)"
RUN="w$(date +%s)" wrk -t2 -c"$CONNECTIONS" -d5s --timeout 120s -s $HERE/ingest.lua http://127.0.0.1:5097/v1/events >/dev/null
echo "== durable ingestion over POST /v1/events, one silo (batches of ${BATCH:-500}, wrk -t2 -c$CONNECTIONS -d$DURATION)"
RUN="d$(date +%s)" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --timeout 120s --latency -s $HERE/ingest.lua http://127.0.0.1:5097/v1/events \
  | grep -E "Requests/sec|50%|99%|batch size|events/s" || true
echo "== stored: $(psql_q profilegrid_bench 'SELECT count(*) FROM profilegrid_events') events in the log, $(psql_q profilegrid_bench 'SELECT count(*) FROM profilegrid_unapplied_events') not yet confirmed applied, $(psql_q profilegrid_bench 'SELECT count(*) FROM orleansstorage') grain state rows"
