#!/usr/bin/env bash
# Profile lookups through the gateway (client/): wrk against GraphQL POST on the gateway, which calls
# the silo over Orleans. Compare with run.sh's figure for the silo serving GraphQL itself.
#   tests/ProfileGrid.Benchmarks/http/gateway.sh [duration, default 20s] [connections, default 32]
# The silo runs in-memory with the Luma demo (Sarah is the profile looked up); the gateway is a
# separate process, as in production.
set -euo pipefail
cd "$(dirname "$0")/../../.."
DURATION=${1:-20s}
CONNECTIONS=${2:-32}
HERE=tests/ProfileGrid.Benchmarks/http
SILO_HTTP=5097 GATEWAY_HTTP=5096 SILO_PORT=11197 GATEWAY_PORT=30097

. $HERE/lib.sh
ensure_wrk

publish silo
publish client

stop_everything_on_exit

(cd "$OUT/silo" && exec dotnet ProfileGrid.Silo.dll --urls http://127.0.0.1:$SILO_HTTP \
   --ProfileGrid:SiloPort=$SILO_PORT --ProfileGrid:GatewayPort=$GATEWAY_PORT --Logging:LogLevel:Default=Warning >"$OUT/silo.log" 2>&1) &
(cd "$OUT/client" && exec dotnet ProfileGrid.Client.dll --urls http://127.0.0.1:$GATEWAY_HTTP \
   --ProfileGrid:GatewayPort=$GATEWAY_PORT --Logging:LogLevel:Default=Warning >"$OUT/client.log" 2>&1) &

wait_ready http://127.0.0.1:$SILO_HTTP "$OUT/silo.log"
wait_ready http://127.0.0.1:$GATEWAY_HTTP "$OUT/client.log"
wait_for_demo http://127.0.0.1:$GATEWAY_HTTP "$OUT/silo.log"

echo "== machine: $(nproc) cores, $(uname -r); wrk -t2 -c$CONNECTIONS -d$DURATION"
echo "== warm-up"; wrk -t2 -c"$CONNECTIONS" -d5s -s $HERE/lookup.lua http://127.0.0.1:$GATEWAY_HTTP/graphql >/dev/null
echo "== profile lookup over GraphQL HTTP through the gateway (Sarah by email)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s $HERE/lookup.lua http://127.0.0.1:$GATEWAY_HTTP/graphql | grep -E "Requests/sec|50%|99%|Latency |responses without" || true
echo "== the same lookup on the silo directly"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s $HERE/lookup.lua http://127.0.0.1:$SILO_HTTP/graphql | grep -E "Requests/sec|50%|99%|Latency |responses without" || true
