# What the HTTP benchmark scripts share; sourced from the repository root once OUT (a temp folder) is set.

# wrk from Debian's package when the machine lacks it.
ensure_wrk() {
  command -v wrk >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }
}

# publish PROJECT: a Release build of a host into $OUT/PROJECT; the build log is shown when it fails.
publish() {
  dotnet publish "$1" -c Release -o "$OUT/$1" --nologo -v q >"$OUT/build.log" || { cat "$OUT/build.log"; exit 1; }
}

# The benchmark program itself (its `bare` and `segments` commands).
build_benchmarks() {
  dotnet build tests/ProfileGrid.Benchmarks -c Release --nologo -v q >"$OUT/build.log" || { cat "$OUT/build.log"; exit 1; }
}

# On exit: stop the processes this script started and remove $OUT.
stop_everything_on_exit() {
  trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$OUT"' EXIT
}
