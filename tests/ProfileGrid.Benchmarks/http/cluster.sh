#!/usr/bin/env bash
# Durable ingestion on PostgreSQL through the gateway, with one silo and then with three (events are
# acknowledged only once they are durable), and lookups through the gateway on the three-silo cluster.
#   tests/ProfileGrid.Benchmarks/http/cluster.sh [duration, default 20s]
# EXTRA: further silo options, e.g. EXTRA=--ProfileGrid:Postgres:GrainStorage=Orleans.
# Starts a throwaway PostgreSQL from /usr/lib/postgresql/*/bin (fsync on: durability is what is
# measured), silos and a gateway on loopback, all from `dotnet publish` output.
set -euo pipefail
cd "$(dirname "$0")/../../.."
DURATION=${1:-20s}
HERE=$PWD/tests/ProfileGrid.Benchmarks/http

. "$HERE/lib.sh"
ensure_wrk
publish silo
publish client
stop_everything_on_exit
start_postgres max_connections=300


# run_cluster SILOS DATABASE: starts SILOS silos and a gateway on a fresh database; the gateway is on 5190.
run_cluster() {
  local silos=$1 db=$2
  as_postgres "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -qc "CREATE DATABASE $db" >/dev/null
  local pg="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=$db;Maximum Pool Size=64"
  local common=(--ProfileGrid:Storage=Postgres "--ConnectionStrings:Postgres=$pg" --ProfileGrid:ClusterId=$db --ProfileGrid:Demo=false --Logging:LogLevel:Default=Warning)
  for i in $(seq 1 "$silos"); do
    (cd "$OUT/silo" && exec dotnet ProfileGrid.Silo.dll --urls http://127.0.0.1:$((5190 + i)) \
      --ProfileGrid:SiloPort=$((11190 + i)) --ProfileGrid:GatewayPort=$((30190 + i)) "${common[@]}" ${EXTRA:-} >"$OUT/$db-silo$i.log" 2>&1) &
    wait_ready http://127.0.0.1:$((5190 + i)) "$OUT/$db-silo$i.log"
  done
  (cd "$OUT/client" && exec dotnet ProfileGrid.Client.dll --urls http://127.0.0.1:5190 "${common[@]}" >"$OUT/$db-gateway.log" 2>&1) &
  wait_ready http://127.0.0.1:5190 "$OUT/$db-gateway.log"
}

stop_cluster() { kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; }

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') with fsync on"
for silos in 1 3; do
  run_cluster $silos "bench$silos"
  # Warm-up: JIT, connection pools, and the first event of most people (creating a person costs more than an event of a known one).
  RUN="w$silos$(date +%s)" wrk -t2 -c8 -d10s --timeout 60s -s "$HERE/ingest.lua" http://127.0.0.1:5190/v1/events >/dev/null || true
  echo "== durable ingestion through the gateway, $silos silo(s): wrk -t2 -c8 -d$DURATION, batches of ${BATCH:-500}, after a 10 s warm-up"
  RUN="c$silos$(date +%s)" wrk -t2 -c8 -d"$DURATION" --timeout 60s --latency -s "$HERE/ingest.lua" http://127.0.0.1:5190/v1/events | grep -E "Requests/sec|50%|99%|batch size|events/s" || true
  if [ "$silos" -eq 3 ]; then
    curl -s http://127.0.0.1:5190/v1/events -H 'content-type: application/json' \
      -d '[{"id":"bench-sarah","type":"web.pageView","timestamp":"2026-01-01T00:00:00Z","identities":[{"namespace":"email","id":"sarah@luma.example"}]}]' >/dev/null
    echo "== profile lookup through the gateway, 3 silos on PostgreSQL: wrk -t2 -c32 -d$DURATION"
    wrk -t2 -c32 -d5s -s "$HERE/lookup.lua" http://127.0.0.1:5190/graphql >/dev/null
    wrk -t2 -c32 -d"$DURATION" --latency -s "$HERE/lookup.lua" http://127.0.0.1:5190/graphql | grep -E "Requests/sec|50%|99%|responses without" || true
  fi
  stop_cluster
done
