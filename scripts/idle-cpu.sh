#!/bin/sh
# The CPU an idle server burns: the built server (or the main.js given) in production mode on a fresh
# SQLite file, no socket and no scan, measured from /proc over SECONDS once SETTLE seconds have passed
# since its start (default 30: for its first 20-25 s V8 still collects the start-up's garbage, and the
# checkpoint worker is still backing off, which is not what an idle server costs for hours).
#   sh scripts/idle-cpu.sh [SECONDS] [path/to/main.js] [SETTLE]
set -eu
seconds=${1:-30}
main=${2:-apps/server/dist/main.js}
settle=${3:-30}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
NODE_ENV=production PORT=0 DATABASE_PATH="$dir/scanpush.db" LOG_LEVEL=warn \
  QR_SECRET=$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n') node "$main" >"$dir/out.log" 2>&1 &
pid=$!
sleep "$settle"
ticks=$(getconf CLK_TCK)
before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
sleep "$seconds"
after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
kill "$pid"
wait "$pid" 2>/dev/null || true
awk -v b="$before" -v a="$after" -v t="$ticks" -v s="$seconds" \
  'BEGIN { printf "idle: %.2f s of CPU in %d s = %.2f %% of a core\n", (a - b) / t, s, (a - b) / t / s * 100 }'
