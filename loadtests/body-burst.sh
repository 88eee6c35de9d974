#!/usr/bin/env bash
# Router memory under a burst of large request bodies (issue 18): N clients each POST a body of SIZE MiB at once to the
# AOT router in front of simulator pods on loopback; the router's VmRSS is read idle, sampled every 50 ms during the
# burst (peak), and every second for SETTLE seconds after it (settled: the last sample; back: the first second within
# 64 MiB of idle). Prints one line of figures and the clients' status codes; writes loadtests/results/body-burst-<ts>/.
#
#   loadtests/body-burst.sh [--count N] [--size-mib M] [--settle S] [--out DIR] [-- ROUTER-FLAGS...]
#
#   --count N      concurrent clients (default 40)
#   --size-mib M   body size (default 30: under the default 32 MiB --max-request-body-bytes)
#   --settle S     seconds watched after the burst (default 30)
#
# Environment: FASTROUTER_BIN (default artifacts/aot/fastrouter, published when missing), FASTROUTER_SIM_BIN (the
# binary the simulator pods run, default FASTROUTER_BIN: an older router's pods refuse bodies over 30,000,000 bytes),
# ROUTER_ENV (NAME=VALUE words set for the router only, e.g. DOTNET_GCHeapHardLimit=30000000: the GC's limit in a 1 GiB
# pod, hex digits without 0x), PORT_BASE (default 29000).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT="$ROOT/loadtests/results/body-burst-$(date -u +%Y%m%dT%H%M%SZ)"
COUNT=40
SIZE_MIB=30
SETTLE=30
ROUTER_ARGS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --count) COUNT=$2; shift ;;
    --size-mib) SIZE_MIB=$2; shift ;;
    --settle) SETTLE=$2; shift ;;
    --out) OUT=$2; shift ;;
    --) shift; ROUTER_ARGS=("$@"); break ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "$0"; exit 0 ;;
    *) echo "body-burst.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$OUT"
B=${PORT_BASE:-29000}
BIN=${FASTROUTER_BIN:-$ROOT/artifacts/aot/fastrouter}
if [[ ! -x $BIN ]]; then
  dotnet publish src/FastRouter.Aot -c Release -o "$(dirname "$BIN")" >"$OUT/publish.log" 2>&1
fi

ROUTER_BIN=$BIN
BIN=${FASTROUTER_SIM_BIN:-$BIN}

# shellcheck source=processes.sh
source "$ROOT/loadtests/processes.sh"
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# The pods accept any prompt length, so every request is valid and goes through both legs.
start_sim prefill $((B + 10)) --max-model-len 2000000000
start_sim decode $((B + 20)) --max-model-len 2000000000
# shellcheck disable=SC2086 # ROUTER_ENV is a list of words
env ${ROUTER_ENV:-} "$ROUTER_BIN" --host 127.0.0.1 --port "$B" --service-discovery static \
  --static-backends "http://127.0.0.1:$((B + 10)),http://127.0.0.1:$((B + 20))" \
  --static-model-labels prefill,decode --static-models llama31-8b,llama31-8b \
  --routing-logic disaggregated_prefill_orchestrated --prefill-model-labels prefill --decode-model-labels decode \
  --log-level warning "${ROUTER_ARGS[@]}" >>"$OUT/router.log" 2>&1 &
ROUTER=$!
PIDS+=("$ROUTER")
wait_http "$B" /health

# A completion request whose prompt makes the body SIZE MiB.
BODY="$OUT/body.json"
python3 - "$BODY" "$SIZE_MIB" <<'PY'
import sys
size = int(sys.argv[2]) * 1024 * 1024
head, tail = b'{"model":"llama31-8b","max_tokens":1,"prompt":"', b'"}'
with open(sys.argv[1], "wb") as f:
    f.write(head + b"a" * (size - len(head) - len(tail)) + tail)
PY

sleep 2
IDLE=$(rss_kib "$ROUTER")
CLIENTS=()
for ((i = 0; i < COUNT; i++)); do
  curl -s -o /dev/null -w '%{http_code}\n' --max-time 120 -H 'Content-Type: application/json' \
    --data-binary "@$BODY" "http://127.0.0.1:$B/v1/completions" >"$OUT/status-$i" 2>/dev/null &
  CLIENTS+=($!)
done
PEAK=$IDLE
while :; do
  r=$(rss_kib "$ROUTER"); ((r > PEAK)) && PEAK=$r
  running=0
  for pid in "${CLIENTS[@]}"; do kill -0 "$pid" 2>/dev/null && running=1 && break; done
  ((running)) || break
  sleep 0.05
done
BACK=-
SETTLED=$IDLE
for ((s = 1; s <= SETTLE; s++)); do
  sleep 1
  SETTLED=$(rss_kib "$ROUTER")
  [[ $BACK == - ]] && ((SETTLED - IDLE <= 64 * 1024)) && BACK=$s
done
HWM=$(hwm_kib "$ROUTER")
STATUSES=$(cat "$OUT"/status-* | sort | uniq -c | awk '{ printf "%s%s×%s", (NR > 1 ? " " : ""), $2, $1 }')
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
echo "bodies=${COUNT}x${SIZE_MIB}MiB idle=$(mib "$IDLE")MiB peak=$(mib "$PEAK")MiB hwm=$(mib "$HWM")MiB settled=$(mib "$SETTLED")MiB after ${SETTLE}s back-within-64MiB-after=${BACK}s statuses: $STATUSES" | tee "$OUT/result.txt"
