#!/usr/bin/env bash
# FastRouter overload benchmark (issue 20): 2 prefill + 2 decode simulated pods with the engine model, the
# overload scenario of the load generator (a heavy and a light client, heavy = 10 x light, each sending a quarter
# of its requests with x-request-priority 0 and the rest with 1, every prompt distinct), one run per
# configuration, each on fresh pods:
#   unloaded      the light client alone at 0.5 x capacity, flow control off: the fleet's own TTFT, the reference
#   off           2 x capacity, --flow-control off: everything goes to the engines' first-come queues
#   on            2 x capacity, flow control on with the saturation defaults (--saturation-waiting 5)
#   in-flight-1   2 x capacity, flow control on with --saturation-in-flight 1 (one request at a time per pod,
#                 decode pods included: for comparison)
#   prefill-in-flight-1   2 x capacity, flow control on with --saturation-prefill-in-flight 1 (one prefill at a
#                 time per prefill pod, as many streams as they come on the decode pods)
#   prefill-in-flight-2   the same with 2 (one running, one queued per prefill pod)
#   unloaded-lif, prefill-in-flight-1-lif   the unloaded reference and prefill-in-flight-1 with
#                 --pod-selection least-in-flight (for comparison with another policy)
# Writes loadtests/results/overload-<timestamp>/{results.md,<config>/summary.json,<config>/report.txt,*.log}.
# See docs/loadtests.md ("Overload benchmark"). Usage:
#
#   loadtests/overload-bench.sh [--quick] [--duration SECONDS] [--out DIR]
#
#   --quick      20 s of arrivals per configuration instead of 60 (about 5 minutes instead of about 13)
#   --duration   seconds of arrivals per configuration
#   --out DIR    output folder
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$ROOT/loadtests/results/overload-$STAMP"
DURATION=60
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) DURATION=20 ;;
    --duration) DURATION=$2; shift ;;
    --out) OUT=$2; shift ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "$0"; exit 0 ;;
    *) echo "overload-bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$OUT"
LOG="$OUT/overload-bench.log"
say() { echo "[overload $(date -u +%H:%M:%S)] $*" | tee -a "$LOG"; }

# ---------------------------------------------------------------- workload and fleet
# 1,600-byte prompts, each distinct (no prefix cache helps), 4 streamed tokens per answer.
PROMPT_BYTES=1600; MAX_TOKENS=4; SEED=20; HIGH_SHARE=0.25; HEAVY_FACTOR=10; QUEUE_TIMEOUT=2
# Prefill compute per pod, in tokens/s: low, so that 2 x capacity is a couple of dozen requests a second and the
# sims, the router and the load generator together stay well inside a 2-core machine.
PREFILL_TPS=2000
PREFILL_PODS=2
# One request per prefill batch (a 408-token prompt fits 512, two do not): a request's prefill time is its own
# tokens / rate, not a batch's, so the unloaded TTFT is one prefill and queueing shows as whole prefills.
SIM_ENGINE=(--cache-blocks 4096 --block-tokens 16 --prefill-tokens-per-second "$PREFILL_TPS" --max-batch-tokens 512
  --itl-ms 5 --kv-pull-tokens-per-second 0)
# Capacity, computed from the flags (not calibrated): the simulator renders a one-message chat as
# "<|user|>\n" + content + "<|end|>\n" + "<|assistant|>\n" (31 bytes around the prompt) at 4 bytes a token, so a
# prompt is ceil((1600 + 31) / 4) = 408 tokens, all computed; a prefill pod serves PREFILL_TPS / 408 requests/s and
# the fleet PREFILL_PODS times that: 2 x 2000 / 408 = 9.80 requests/s. Decode (4 tokens 5 ms apart, free KV pull)
# takes about 25 ms a request, so its 2 pods are never the limit. The "off" run checks the figure: there every
# pod is busy from the first second to the last answer, so its served/s is the fleet's measured capacity.
CAPACITY=$(awk -v b="$PROMPT_BYTES" -v r="$PREFILL_TPS" -v p="$PREFILL_PODS" 'BEGIN {
  t = int((b + 31 + 3) / 4); printf "%.2f", p * r / t }')
# With flow control off at 2 x capacity the engines' queues grow for the whole window and drain as long again, so
# a request may take about DURATION seconds; only silence well past that counts as hanging.
HANG_TIMEOUT=$((2 * DURATION + 30))

# ---------------------------------------------------------------- prerequisites
# The binary of this tree, published now, unless FASTROUTER_BIN names one (a leftover artifacts/aot may be stale).
BIN=${FASTROUTER_BIN:-}
if [[ -z $BIN ]]; then
  say "publishing the AOT binary"
  dotnet publish src/FastRouter.Aot -c Release -o artifacts/aot >>"$LOG" 2>&1
  BIN="$ROOT/artifacts/aot/fastrouter"
fi
say "building the load generator"
dotnet build loadtests/FastRouter.LoadTests -c Release -o "$ROOT/artifacts/loadtests" >>"$LOG" 2>&1
LG_DLL="$ROOT/artifacts/loadtests/FastRouter.LoadTests.dll"
# shellcheck source=processes.sh
source "$ROOT/loadtests/processes.sh"

PREFILL_PORTS=(19300 19310)
DECODE_PORTS=(19400 19410)
ROUTER_PORT=19051
RUN_PIDS=()

stop_all() { # the pods and the router of one configuration (PIDS keeps them for the exit trap too)
  local pid
  for pid in "${RUN_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${RUN_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  RUN_PIDS=()
}

ROWS=()
run_config() { # name reference load heavy-factor router-flags... (reference: the unloaded run its TTFT is compared with)
  local name=$1 reference=$2 load=$3 heavy=$4; shift 4
  local backends="" labels="" models="" pods="" port
  say "configuration $name: load ${load} x $CAPACITY requests/s, router flags: $*"
  for port in "${PREFILL_PORTS[@]}"; do start_sim prefill "$port" "${SIM_ENGINE[@]}"; RUN_PIDS+=("${PIDS[-1]}"); done
  for port in "${DECODE_PORTS[@]}"; do start_sim decode "$port" "${SIM_ENGINE[@]}"; RUN_PIDS+=("${PIDS[-1]}"); done
  for port in "${PREFILL_PORTS[@]}"; do backends+="http://127.0.0.1:$port,"; labels+="prefill,"; models+="llama31-8b,"; done
  for port in "${DECODE_PORTS[@]}"; do backends+="http://127.0.0.1:$port,"; labels+="decode,"; models+="llama31-8b,"; done
  for port in "${PREFILL_PORTS[@]}" "${DECODE_PORTS[@]}"; do pods+="http://127.0.0.1:$port,"; done
  "$BIN" --host 127.0.0.1 --port "$ROUTER_PORT" --service-discovery static \
    --static-backends "${backends%,}" --static-model-labels "${labels%,}" --static-models "${models%,}" \
    --routing-logic disaggregated_prefill_orchestrated --prefill-model-labels prefill --decode-model-labels decode \
    --engine-stats-interval 0.5 --log-level warning "$@" >>"$OUT/router-$name.log" 2>&1 &
  PIDS+=($!); RUN_PIDS+=($!)
  if ! wait_http "$ROUTER_PORT" /livez; then
    say "  the router did not start with $*: see $OUT/router-$name.log"
    stop_all
    ROWS+=("$name|$reference|not run: the router did not start with $*")
    return
  fi
  dotnet "$LG_DLL" --scenario overload --target "http://127.0.0.1:$ROUTER_PORT" --pods "${pods%,}" --no-progress \
    --capacity "$CAPACITY" --load "$load" --heavy-factor "$heavy" --high-share "$HIGH_SHARE" \
    --queue-timeout "$QUEUE_TIMEOUT" --hang-timeout "${HANG_TIMEOUT}s" --max-tokens "$MAX_TOKENS" \
    --prompt-bytes "$PROMPT_BYTES" --duration "${DURATION}s" --seed "$SEED" --name "$name" --out "$OUT/$name" \
    >"$OUT/$name.log" 2>&1 || true
  stop_all
  ROWS+=("$name|$reference|$OUT/$name/summary.json")
}

say "capacity $CAPACITY requests/s (computed), $DURATION s of arrivals per configuration, seed $SEED"
run_config unloaded unloaded 0.5 0 --flow-control off
run_config off unloaded 2 "$HEAVY_FACTOR" --flow-control off
run_config on unloaded 2 "$HEAVY_FACTOR" --flow-control on
run_config in-flight-1 unloaded 2 "$HEAVY_FACTOR" --flow-control on --saturation-in-flight 1
run_config prefill-in-flight-1 unloaded 2 "$HEAVY_FACTOR" --flow-control on --saturation-prefill-in-flight 1
run_config prefill-in-flight-2 unloaded 2 "$HEAVY_FACTOR" --flow-control on --saturation-prefill-in-flight 2
run_config unloaded-lif unloaded-lif 0.5 0 --flow-control off --pod-selection least-in-flight
run_config prefill-in-flight-1-lif unloaded-lif 2 "$HEAVY_FACTOR" --flow-control on --saturation-prefill-in-flight 1 --pod-selection least-in-flight

# ---------------------------------------------------------------- the tables
python3 - "$OUT/results.md" "$CAPACITY" "${ROWS[@]}" <<'PY'
import json, sys
out, capacity, rows = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
data = []
for row in rows:
    name, reference, path = row.split('|', 2)
    if path.startswith('not run'):
        data.append((name, reference, None, path)); continue
    try:
        with open(path) as f: data.append((name, reference, json.load(f), None))
    except OSError as e:
        data.append((name, reference, None, f'no summary ({e.strerror})'))
refs = {n: d['totals']['ttft_p99_ms'] for n, _, d, _ in data if d and n.startswith('unloaded')}
def ratio(v, ref): return f' ({v / ref:.2f}x)' if ref and v else ''
cells = ['| config | client | band | sent | served | 429 | 503 | other | hanging | TTFT p50 ms | TTFT p99 ms (x unloaded) |',
         '|---|---|---|---|---|---|---|---|---|---|---|']
configs = ['| config | offered/s | served/s | light share / fair share | answered | hanging | pods\' prefill requests / served | router retries |',
           '|---|---|---|---|---|---|---|---|']
for name, reference, d, note in data:
    ref = refs.get(reference, 0)
    if d is None:
        cells.append(f'| {name} | {note} ||||||||||'); configs.append(f'| {name} | {note} |||||||'); continue
    for c in d['clients']:
        if c['sent'] == 0: continue
        for band in ('high', 'low'):
            b = c['bands'][band]
            if b['sent'] == 0: continue
            cells.append(f"| {name} | {c['client']} | {band} | {b['sent']} | {b['served']} | {b['rejected_429']} | {b['rejected_503']} "
                         f"| {b['other_errors']} | {b['hanging']} | {b['ttft_p50_ms']:.0f} | {b['ttft_p99_ms']:.0f}{ratio(b['ttft_p99_ms'], ref)} |")
    t, p = d['totals'], d['pods']
    light = next(c for c in d['clients'] if c['client'] == 'light')
    share = f"{light['dispatch_share'] * 100:.1f} % / {light['fair_share'] * 100:.1f} %"
    if light['fair_share'] > 0: share += f" ({light['dispatch_share'] / light['fair_share']:.2f}x)"
    retries = '?' if p['router_retries'] < 0 else f"{p['router_retries']:.0f}"
    configs.append(f"| {name} | {d['heavy_rate'] + d['light_rate']:.2f} | {t['served_per_second']:.2f} | {share} "
                   f"| {t['answered']} of {t['sent']} | {t['hanging']} | {p['prefill_requests']} / {t['served']} | {retries} |")
refs_text = ', '.join(f'{n} {v:.0f} ms' for n, v in refs.items())
text = (f'Capacity {capacity:.2f} requests/s (computed from the sims\' flags). TTFT ratios: against the p99 over every served '
        f'request of the unloaded run with the same pod selection ({refs_text}).\n\n' + '\n'.join(cells) + '\n\n' + '\n'.join(configs) + '\n')
open(out, 'w').write(text)
print(text)
PY
say "wrote $OUT/results.md"
