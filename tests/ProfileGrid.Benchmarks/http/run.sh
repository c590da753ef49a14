#!/usr/bin/env bash
# HTTP benchmarks of issue 2, on this machine, in one run:
#   1. bare Kestrel (fixed JSON document)      -> the machine's HTTP ceiling
#   2. profile lookup over GraphQL HTTP         -> requests/s, p50, p99, ratio to (1)
#   3. bulk ingestion over POST /v1/events      -> accepted events/s, while its 20,000 people are created
#   4. the same again, the people known         -> accepted events/s of repeat people (new event ids)
# Usage: tests/ProfileGrid.Benchmarks/http/run.sh [duration, default 20s] [connections, default 32]
set -euo pipefail
cd "$(dirname "$0")/../../.."
DURATION=${1:-20s}
CONNECTIONS=${2:-32}
HERE=tests/ProfileGrid.Benchmarks/http

. $HERE/lib.sh
ensure_wrk

publish silo
build_benchmarks

stop_everything_on_exit

for port in 5098 5099; do
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then echo "port $port is already in use: stop what listens there first" >&2; exit 1; fi
done
dotnet tests/ProfileGrid.Benchmarks/bin/Release/net10.0/ProfileGrid.Benchmarks.dll bare --urls http://127.0.0.1:5099 >/dev/null 2>&1 &
(cd "$OUT/silo" && exec dotnet ProfileGrid.Silo.dll --urls http://127.0.0.1:5098 --ProfileGrid:SiloPort=21911 --ProfileGrid:GatewayPort=31911 --Logging:LogLevel:Default=Warning >"$OUT/silo.log" 2>&1) &

wait_for /dev/null -X POST http://127.0.0.1:5099/graphql
wait_for_demo http://127.0.0.1:5098 "$OUT/silo.log"

echo "== machine: $(nproc) cores, $(uname -r); wrk -t2 -c$CONNECTIONS -d$DURATION"
echo "== warm-up"; wrk -t2 -c"$CONNECTIONS" -d5s -s $HERE/lookup.lua http://127.0.0.1:5098/graphql >/dev/null
echo "== bare Kestrel, fixed JSON"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s $HERE/lookup.lua http://127.0.0.1:5099/graphql | grep -E "Requests/sec|50%|99%|Latency " || true
echo "== profile lookup over GraphQL HTTP (Sarah by email)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s $HERE/lookup.lua http://127.0.0.1:5098/graphql | grep -E "Requests/sec|50%|99%|Latency |responses without" || true
echo "== bulk ingestion over POST /v1/events (batches of ${BATCH:-500}), ${PEOPLE:-20000} people created as they come"
RUN="b$(date +%s)" wrk -t2 -c4 -d"$DURATION" --latency -s $HERE/ingest.lua http://127.0.0.1:5098/v1/events | grep -E "Requests/sec|50%|99%|batch size|events/s" || true
echo "== bulk ingestion again, the same people (new event ids)"
RUN="r$(date +%s)" wrk -t2 -c4 -d"$DURATION" --latency -s $HERE/ingest.lua http://127.0.0.1:5098/v1/events | grep -E "Requests/sec|50%|99%|batch size|events/s" || true
