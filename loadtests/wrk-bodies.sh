# Sourced by bench.sh, method-order.sh, paired-cpu.sh and log-cost.sh: the request bodies wrk sends, so the load the
# hot-method order is profiled under (method-order.sh) is the load bench.sh measures, and how to read wrk's counts.
# The load generator's default chat body: a 128-token prompt, max_tokens 64.

# shellcheck disable=SC2034 # used by the scripts that source this file
WRK_PROMPT=$(printf 'lorem ipsum dolor sit amet %.0s' {1..19})
WRK_PROMPT=${WRK_PROMPT:0:512}

# Writes a wrk script POSTing the body of $1 (chat, stream: chat streamed with usage, completions) to file $2.
write_wrk_script() {
  local body
  case $1 in
    chat) body='{"model":"llama31-8b","messages":[{"role":"user","content":"'"$WRK_PROMPT"'"}],"max_tokens":64,"ignore_eos":true}' ;;
    stream) body='{"model":"llama31-8b","messages":[{"role":"user","content":"'"$WRK_PROMPT"'"}],"max_tokens":64,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}' ;;
    completions) body='{"model":"llama31-8b","prompt":"'"$WRK_PROMPT"'","max_tokens":64,"ignore_eos":true}' ;;
    *) echo "write_wrk_script: unknown body $1" >&2; return 2 ;;
  esac
  printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = %s\n' "'$body'" >"$2"
}

# The requests wrk's report $1 counts as answered 2xx or 3xx, and those it does not (wrk prints the line only when
# some were not): per-request figures divide by the first, and a run where a router answered errors is not one.
wrk_answered() { awk '/requests in/ { n = $1 } /Non-2xx/ { f = $NF } END { print n - f }' "$1"; }
wrk_failed() { awk '/Non-2xx/ { f = $NF } END { print f + 0 }' "$1"; }
