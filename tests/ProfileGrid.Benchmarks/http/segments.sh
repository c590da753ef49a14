#!/usr/bin/env bash
# Ingestion with live segments over HTTP (issue 4): an in-memory silo with COUNT segments of the benchmark mix
# (BenchmarkSegments.Expression), then POST /v1/events batches from wrk: a warm-up run (people are created, code
# is compiled), then three measured runs over the same people (the first may still be creating some), each event re-evaluating its person's segments
# before it is acknowledged.
# Usage: tests/ProfileGrid.Benchmarks/http/segments.sh [duration, default 12s] [segments, default 100]
set -euo pipefail
cd "$(dirname "$0")/../../.."
DURATION=${1:-12s}
COUNT=${2:-100}
HERE=tests/ProfileGrid.Benchmarks/http

. $HERE/lib.sh
ensure_wrk
publish silo
build_benchmarks

stop_everything_on_exit

if curl -s -o /dev/null "http://127.0.0.1:5097/"; then echo "port 5097 is already in use: stop what listens there first" >&2; exit 1; fi
(cd "$OUT/silo" && exec dotnet ProfileGrid.Silo.dll --urls http://127.0.0.1:5097 --ProfileGrid:Demo=false \
  --ProfileGrid:SiloPort=21912 --ProfileGrid:GatewayPort=31912 --Logging:LogLevel:Default=Warning >"$OUT/silo.log" 2>&1) &
wait_ready http://127.0.0.1:5097 "$OUT/silo.log"
dotnet tests/ProfileGrid.Benchmarks/bin/Release/net10.0/ProfileGrid.Benchmarks.dll segments --url http://127.0.0.1:5097 --count "$COUNT"

echo "== machine: $(nproc) cores; $COUNT live segments; wrk -t2 -c8 -d$DURATION, batches of ${BATCH:-500}, ${PEOPLE:-20000} people"
echo "== warm-up (people created)"
PEOPLE=${PEOPLE:-20000} RUN="w$(date +%s)" wrk -t2 -c8 -d"$DURATION" --timeout 60s -s $HERE/ingest.lua http://127.0.0.1:5097/v1/events | grep -E "events/s" || true
for run in 1 2 3; do
  echo "== measured run $run"
  PEOPLE=${PEOPLE:-20000} RUN="m$run$(date +%s)" wrk -t2 -c8 -d"$DURATION" --timeout 60s --latency -s $HERE/ingest.lua http://127.0.0.1:5097/v1/events | grep -E "events/s|99%" || true
done
