#!/usr/bin/env bash
# Router CPU per request of two flag sets, paired: two AOT routers in front of the same zero-latency simulator pods
# (4 prefill, 4 decode, so picking has a choice to make), one started with --a's flags and one with --b's, loaded at
# the same time by wrk so the machine's drift cancels within a round. CPU is utime+stime from /proc/<pid>/stat over
# the same seconds; the figure is the median over the rounds of the per-round difference (A - B), in µs per request.
# Each round also swaps which router wrk starts first. Usage:
#
#   loadtests/paired-cpu.sh --a "FLAGS" --b "FLAGS" [--rounds N] [--seconds S] [--body chat|stream] [--out DIR]
#
#   --a FLAGS     router A's extra flags, e.g. "--flow-control on"
#   --b FLAGS     router B's extra flags, e.g. "--flow-control off"
#   --rounds N    paired rounds (default 9)
#   --seconds S   length of each round (default 5)
#   --body B      wrk's request (wrk-bodies.sh): chat (default) or stream
#   --out DIR     output folder (default loadtests/results/paired-cpu-<timestamp>)
#
# Both routers log at --log-level warning, so the figure is the flags' cost, not the log's.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=wrk-bodies.sh
source "$ROOT/loadtests/wrk-bodies.sh"
ROUNDS=9
SECONDS_PER_ROUND=5
A_FLAGS=""
B_FLAGS=""
BODY=chat
OUT="$ROOT/loadtests/results/paired-cpu-$(date -u +%Y%m%dT%H%M%SZ)"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --a) A_FLAGS=$2; shift ;;
    --b) B_FLAGS=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --seconds) SECONDS_PER_ROUND=$2; shift ;;
    --body) BODY=$2; shift ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "$0"; exit 0 ;;
    *) echo "paired-cpu.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$OUT"
say() { echo "[paired-cpu $(date -u +%H:%M:%S)] $*" | tee -a "$OUT/results.txt"; }

BIN=${FASTROUTER_BIN:-$ROOT/artifacts/aot/fastrouter}
if [[ ! -x $BIN ]]; then
  say "publishing the AOT binary"
  dotnet publish src/FastRouter.Aot -c Release -o "$(dirname "$BIN")" >>"$OUT/publish.log" 2>&1
fi
if ! command -v wrk >/dev/null 2>&1; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    (apt-get install -y wrk || (apt-get update && apt-get install -y wrk)) >>"$OUT/apt.log" 2>&1 || true
  fi
  command -v wrk >/dev/null 2>&1 || { echo "paired-cpu.sh: needs wrk" >&2; exit 1; }
fi
WRK_LUA="$OUT/$BODY.lua"
PATH_OF_BODY=/v1/chat/completions
[[ $BODY == completions ]] && PATH_OF_BODY=/v1/completions
write_wrk_script "$BODY" "$WRK_LUA"
TCK=$(getconf CLK_TCK)

# shellcheck source=processes.sh
source "$ROOT/loadtests/processes.sh"

# Ten ports apart: each pod's KV side channel listens on its port + 1.
BACKENDS="" MODELS="" LABELS=""
for i in 0 1 2 3; do
  start_sim prefill $((18700 + 10 * i)) --profile zero
  start_sim decode $((18800 + 10 * i)) --profile zero
done
for i in 0 1 2 3; do BACKENDS+="http://127.0.0.1:$((18700 + 10 * i)),"; MODELS+="llama31-8b,"; LABELS+="prefill,"; done
for i in 0 1 2 3; do BACKENDS+="http://127.0.0.1:$((18800 + 10 * i)),"; MODELS+="llama31-8b,"; LABELS+="decode,"; done

start_router() { # port output flags...
  local port=$1 output=$2
  shift 2
  # shellcheck disable=SC2068 # the flag sets are split on purpose
  "$BIN" --host 127.0.0.1 --port "$port" --service-discovery static \
    --static-backends "${BACKENDS%,}" --static-model-labels "${LABELS%,}" --static-models "${MODELS%,}" \
    --routing-logic disaggregated_prefill_orchestrated --prefill-model-labels prefill --decode-model-labels decode \
    --log-level warning $@ >"$output" 2>&1 &
  PIDS+=($!)
  LAST_PID=$!
  wait_http "$port" /livez
}
A_PORT=18750
B_PORT=18760
# shellcheck disable=SC2086
start_router "$A_PORT" "$OUT/router-a.log" $A_FLAGS
A_PID=$LAST_PID
# shellcheck disable=SC2086
start_router "$B_PORT" "$OUT/router-b.log" $B_FLAGS
B_PID=$LAST_PID

say "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r); binary $BIN"
say "A: ${A_FLAGS:-(defaults)}; B: ${B_FLAGS:-(defaults)}; $ROUNDS rounds of ${SECONDS_PER_ROUND}s, wrk -t1 -c32 $BODY on each"
load_one() { # port seconds output-name
  wrk -t1 -c32 -d"$2"s -s "$WRK_LUA" "http://127.0.0.1:$1$PATH_OF_BODY" >"$OUT/$3.txt" 2>&1 || true
}
requests_of() { wrk_answered "$OUT/$1.txt"; }
FAILED=0

say "warm-up: both routers under load for 3 s"
load_one "$A_PORT" 3 warmup-a &
w=$!
load_one "$B_PORT" 3 warmup-b
wait "$w" || true

diffs=()
for r in $(seq 1 "$ROUNDS"); do
  a0=$(cpu_ticks "$A_PID"); b0=$(cpu_ticks "$B_PID")
  if ((r % 2)); then
    load_one "$A_PORT" "$SECONDS_PER_ROUND" "r$r-a" & w=$!
    load_one "$B_PORT" "$SECONDS_PER_ROUND" "r$r-b"
  else
    load_one "$B_PORT" "$SECONDS_PER_ROUND" "r$r-b" & w=$!
    load_one "$A_PORT" "$SECONDS_PER_ROUND" "r$r-a"
  fi
  wait "$w" || true
  a1=$(cpu_ticks "$A_PID"); b1=$(cpu_ticks "$B_PID")
  na=$(requests_of "r$r-a")
  nb=$(requests_of "r$r-b")
  FAILED=$((FAILED + $(wrk_failed "$OUT/r$r-a.txt") + $(wrk_failed "$OUT/r$r-b.txt")))
  ua=$(awk -v t=$((a1 - a0)) -v k="$TCK" -v n="$na" 'BEGIN { printf "%.2f", t * 1e6 / k / n }')
  ub=$(awk -v t=$((b1 - b0)) -v k="$TCK" -v n="$nb" 'BEGIN { printf "%.2f", t * 1e6 / k / n }')
  d=$(awk -v a="$ua" -v b="$ub" 'BEGIN { printf "%.2f", a - b }')
  diffs+=("$d")
  say "round $r: A $ua µs/request ($na requests), B $ub µs/request ($nb requests), difference $d µs"
done
say "median of per-round differences (A - B): $(median "${diffs[@]}") µs of router CPU per request over $ROUNDS rounds"
if ((FAILED > 0)); then
  say "FAILED: $FAILED requests were not answered 2xx (see $OUT/r*-*.txt and the router logs): the figures above are not the flags' cost"
  exit 1
fi
