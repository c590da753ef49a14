#!/usr/bin/env bash
# A durable silo (PostgreSQL) under a heap limit, every event a new person: how its memory and ingestion hold
# up when the people it has seen need more memory than it has (ProfileGrid:Memory:* sheds the grains used least
# recently). Prints the silo's resident memory every 10 s, how often Orleans shed grains, the events/s, the
# profiles stored and the events that failed (OutOfMemoryException in the silo's log).
# Usage: tests/ProfileGrid.Benchmarks/http/memory-limit.sh [heap limit, hex bytes, default 0x30000000 = 768 MiB]
#        [seconds, default 60] [more silo options, e.g. --ProfileGrid:Memory:ShedAbovePercent=0]
set -euo pipefail
cd "$(dirname "$0")/../../.."
LIMIT=${1:-0x30000000}
SECONDS_TO_RUN=${2:-60}
shift 2 || shift $#
HERE=tests/ProfileGrid.Benchmarks/http

. $HERE/lib.sh
prepare_durable_run

# The limit applies to the silo alone (not to the build above, nor to wrk).
(cd "$OUT/silo" && DOTNET_GCHeapHardLimit=$LIMIT exec dotnet ProfileGrid.Silo.dll --urls http://127.0.0.1:5097 \
  --ProfileGrid:Storage=Postgres "--ConnectionStrings:Postgres=$BENCH_CS" --ProfileGrid:Demo=false \
  --ProfileGrid:SiloPort=21912 --ProfileGrid:GatewayPort=31912 --Logging:LogLevel:Default=Warning \
  --Logging:LogLevel:Orleans.Runtime.ActivationCollector=Information "$@" >"$OUT/silo.log" 2>&1) &
wait_ready http://127.0.0.1:5097 "$OUT/silo.log"
SILO=$(pgrep -f "ProfileGrid.Silo.dll --urls http://127.0.0.1:5097")

echo "== heap limit $LIMIT; every event a new person for ${SECONDS_TO_RUN}s (wrk -t2 -c4, batches of ${BATCH:-500}); silo options: ${*:-none}"
PEOPLE=100000000 RUN="m$(date +%s)" wrk -t2 -c4 -d"${SECONDS_TO_RUN}s" --timeout 120s --latency -s $HERE/ingest.lua http://127.0.0.1:5097/v1/events >"$OUT/wrk.log" 2>&1 &
LOAD=$!
for t in $(seq 10 10 "$SECONDS_TO_RUN"); do
  sleep 10
  echo "t=${t}s resident $(ps -o rss= -p "$SILO" 2>/dev/null | awk '{print int($1/1024)}') MB; shedding passes so far: $(grep -c 'High memory pressure' "$OUT/silo.log" || true)"
done
wait $LOAD || true
grep -E "events/s|99%" "$OUT/wrk.log" || true
echo "== profiles stored: $(psql_q profilegrid_bench "SELECT count(*) FROM orleansstorage WHERE graintypestring LIKE '%rofile%'")"
echo "== events that failed to apply (exception in the log; in the event log, so the recovery pass applies them): $(grep -c 'Event .* failed' "$OUT/silo.log" || true)"
if kill -0 "$SILO" 2>/dev/null; then echo "== silo alive"; else echo "== silo DEAD"; fi
