#!/usr/bin/env bash
# What the per-request log lines cost: router CPU per request at the default --log-level info (the seed's seven
# lines per request, text format, standard output to a file as a container runtime keeps it) against --log-level
# warning (none), two AOT routers in front of the same zero-latency simulator pods, loaded at the same time by wrk
# so the machine's drift cancels within a round. CPU is utime+stime from /proc/<pid>/stat over the same seconds;
# the figure is the median over the rounds of the per-round difference, in µs per request. Usage:
#
#   loadtests/log-cost.sh [--rounds N] [--seconds S] [--rate R] [--format text|json] [--log-to FILE] [--out DIR]
#
#   --rounds N    paired rounds (default 9)
#   --seconds S   length of each round (default 5)
#   --rate R      instead of wrk's closed loop (each router as fast as it goes, the machine saturated), the load
#                 generator's open loop at R requests/s on each router: both then serve the same rate, so neither's
#                 figure moves with how saturated it is (how many requests one wake-up serves)
#   --format F    the info router's --log-format (default text)
#   --log-to FILE the info router's standard output (default DIR/router-info.log; /dev/null leaves out the file's cost)
#   --out DIR     output folder (default loadtests/results/log-cost-<timestamp>)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=wrk-bodies.sh
source "$ROOT/loadtests/wrk-bodies.sh"
ROUNDS=9
SECONDS_PER_ROUND=5
FORMAT=text
RATE=""
LOG_TO=""
OUT="$ROOT/loadtests/results/log-cost-$(date -u +%Y%m%dT%H%M%SZ)"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift ;;
    --seconds) SECONDS_PER_ROUND=$2; shift ;;
    --rate) RATE=$2; shift ;;
    --format) FORMAT=$2; shift ;;
    --log-to) LOG_TO=$2; shift ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "$0"; exit 0 ;;
    *) echo "log-cost.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$OUT"
LOG_TO=${LOG_TO:-$OUT/router-info.log}
say() { echo "[log-cost $(date -u +%H:%M:%S)] $*" | tee -a "$OUT/results.txt"; }

BIN=${FASTROUTER_BIN:-$ROOT/artifacts/aot/fastrouter}
if [[ ! -x $BIN ]]; then
  say "publishing the AOT binary"
  dotnet publish src/FastRouter.Aot -c Release -o "$(dirname "$BIN")" >>"$OUT/publish.log" 2>&1
fi
if [[ -z $RATE ]] && ! command -v wrk >/dev/null 2>&1; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    (apt-get install -y wrk || (apt-get update && apt-get install -y wrk)) >>"$OUT/apt.log" 2>&1 || true
  fi
  command -v wrk >/dev/null 2>&1 || { echo "log-cost.sh: needs wrk" >&2; exit 1; }
fi
if [[ -n $RATE ]]; then
  say "building the load generator"
  dotnet build loadtests/FastRouter.LoadTests -c Release -o "$ROOT/artifacts/loadtests" >>"$OUT/build.log" 2>&1
  LG_DLL="$ROOT/artifacts/loadtests/FastRouter.LoadTests.dll"
fi
WRK_LUA="$OUT/chat.lua"
write_wrk_script chat "$WRK_LUA"
TCK=$(getconf CLK_TCK)

# shellcheck source=processes.sh
source "$ROOT/loadtests/processes.sh"

start_sim prefill 18500 --profile zero
start_sim decode 18600 --profile zero

start_router() { # port level format output
  "$BIN" --host 127.0.0.1 --port "$1" --service-discovery static \
    --static-backends http://127.0.0.1:18500,http://127.0.0.1:18600 --static-model-labels prefill,decode \
    --static-models llama31-8b,llama31-8b --routing-logic disaggregated_prefill_orchestrated \
    --prefill-model-labels prefill --decode-model-labels decode --log-level "$2" --log-format "$3" >"$4" 2>&1 &
  PIDS+=($!)
  LAST_PID=$!
  wait_http "$1" /livez
}
INFO_PORT=18510
WARN_PORT=18520
start_router "$INFO_PORT" info "$FORMAT" "$LOG_TO"
INFO_PID=$LAST_PID
start_router "$WARN_PORT" warning text "$OUT/router-warning.log"
WARN_PID=$LAST_PID

say "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r); binary $BIN"
# One round's load on one router: port seconds output-name; prints the requests it sent.
load_one() {
  if [[ -n $RATE ]]; then
    dotnet "$LG_DLL" --no-progress --target "http://127.0.0.1:$1" --scenario chat --rate "$RATE" --duration "$2s" \
      --warmup 0s --prompt-tokens 128 --max-tokens 16 --name "$3" --out "$OUT/$3" >"$OUT/$3.txt" 2>&1 || true
  else
    wrk -t1 -c32 -d"$2"s -s "$WRK_LUA" "http://127.0.0.1:$1/v1/chat/completions" >"$OUT/$3.txt" 2>&1 || true
  fi
}
requests_of() { # output-name: the requests answered 2xx
  if [[ -n $RATE ]]; then jq -r '.requests.succeeded' "$OUT/$1/summary.json"; else wrk_answered "$OUT/$1.txt"; fi
}
failed_of() { # output-name
  if [[ -n $RATE ]]; then jq -r '.requests.failed' "$OUT/$1/summary.json"; else wrk_failed "$OUT/$1.txt"; fi
}
FAILED=0

say "warm-up: both routers under load for 3 s"
load_one "$INFO_PORT" 3 warmup-info &
w=$!
load_one "$WARN_PORT" 3 warmup-warning
wait "$w" || true

diffs=()
for r in $(seq 1 "$ROUNDS"); do
  i0=$(cpu_ticks "$INFO_PID"); w0=$(cpu_ticks "$WARN_PID")
  load_one "$INFO_PORT" "$SECONDS_PER_ROUND" "r$r-info" &
  w=$!
  load_one "$WARN_PORT" "$SECONDS_PER_ROUND" "r$r-warning"
  wait "$w" || true
  i1=$(cpu_ticks "$INFO_PID"); w1=$(cpu_ticks "$WARN_PID")
  ni=$(requests_of "r$r-info")
  nw=$(requests_of "r$r-warning")
  FAILED=$((FAILED + $(failed_of "r$r-info") + $(failed_of "r$r-warning")))
  ui=$(awk -v t=$((i1 - i0)) -v k="$TCK" -v n="$ni" 'BEGIN { printf "%.2f", t * 1e6 / k / n }')
  uw=$(awk -v t=$((w1 - w0)) -v k="$TCK" -v n="$nw" 'BEGIN { printf "%.2f", t * 1e6 / k / n }')
  d=$(awk -v a="$ui" -v b="$uw" 'BEGIN { printf "%.2f", a - b }')
  diffs+=("$d")
  say "round $r: info $ui µs/request ($ni requests), warning $uw µs/request ($nw requests), difference $d µs"
done
if [[ -f $LOG_TO ]]; then
  lines=$(grep -ac 'Orchestrated request completed' "$LOG_TO" || true)
  say "info router wrote $lines 'Orchestrated request completed' lines ($(wc -c <"$LOG_TO") bytes of log)"
fi
say "median of per-round differences (info - warning): $(median "${diffs[@]}") µs of router CPU per request over $ROUNDS rounds"
if ((FAILED > 0)); then
  say "FAILED: $FAILED requests were not answered 2xx (see $OUT/r*-*.txt and the router logs): the figures above are not the log's cost"
  exit 1
fi
