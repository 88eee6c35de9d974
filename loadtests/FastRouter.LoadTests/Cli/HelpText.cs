namespace FastRouter.LoadTests.Cli;

/// <summary>The text of <c>--help</c>.</summary>
internal static class HelpText
{
    public const string Text = """
        FastRouter load generator: OpenAI-style load against the router (or straight at a prefill/decode pair).

        Usage:
          dotnet run --project loadtests/FastRouter.LoadTests -c Release -- --target URL [options]
          dotnet run --project loadtests/FastRouter.LoadTests -c Release -- --direct-prefill URL --direct-decode URL [options]

        Target (one of):
          --target URL              the router, or any OpenAI-compatible server (e.g. http://127.0.0.1:8001)
          --direct-prefill URL      no router: POST each request to this prefill pod first (max_tokens=1,
          --direct-decode URL         kv_transfer_params.do_remote_decode=true), then to this decode pod with
                                      the kv_transfer_params prefill answered: the baseline for the router

        Workload:
          --scenario NAME           chat | chat-stream | completions | completions-stream | mixed (default chat-stream)
          --prompt-tokens DIST      prompt length per request (default 128)
          --max-tokens DIST         max_tokens per request, with ignore_eos (default 64)
                                      DIST: N | uniform:MIN-MAX | normal:MEAN,STDDEV
          --model NAME              model field of every request (default llama31-8b)

        Load:
          --concurrency N           closed loop: N workers, each sends its next request when the last ends (default 16);
                                      open loop: the most requests in flight at once (default 2048)
          --rate R                  open loop: Poisson arrivals at R requests/s, latency timed from each
                                      request's intended send time (coordinated omission corrected)
          --duration D              measured time (default 30s); D: 500ms | 30s | 2m | 1h | bare seconds
          --warmup D                load before measuring, not recorded (default 5s)
          --drain-timeout D         how long requests in flight at the end may still finish (default 30s)
          --timeout D               longest time one request may take (default 120s)
          --seed N                  seeds the length draws and the arrival schedule (default 1)

        Probe mode (instead of load; run it beside a load to see a health endpoint under pressure):
          --probe PATH              GET PATH on --target as kubelet probes: a new connection each time, one at a
                                      time; waits --warmup, probes for --duration, writes probe.json
          --probe-interval D        time between probe starts (default 100ms)
          --probe-timeout D         a probe not answered in time fails (default 1s, kubelet's default)

        Conversations (--scenario conversations; its own flags, see docs/loadtests.md):
          --target URL[,URL...]     routers; each turn goes to one drawn at random (a random spreader)
          --pods URL[,URL...]       simulator pods whose /sim/stats are read at the end
          --system-prompts S        shared system prompts (default 4)   --system-prompt-bytes L (default 6144)
          --rate R                  conversations started per second, Poisson (default 1)
          --turns T (default 4)     --user-bytes U (default 256)   --max-tokens M (default 32)
          --think-time D            between an answer and the next turn (default 1s)
          --dominant-system-prompt F  share of conversations on system prompt 0 (default 0: all equally likely)
          --warmup D                conversations starting in the first D count, but not in TTFT/ITL (default 0)
          --duration D              conversations start during D (default 60s), then the run waits for them
                                      at most --drain-timeout (default 60s)

        Overload (--scenario overload; its own flags, see docs/loadtests.md):
          --target URL              the router          --pods URL[,URL...]  simulator pods whose /sim/stats are read
          --capacity R              the fleet's capacity in requests/s (required)
          --load X                  offered load as a multiple of it (default 2), Poisson, both clients together
          --heavy-factor F          the heavy client sends F times the light one (default 10; 0 = light alone)
          --high-share S            share of each client's requests with x-request-priority 0 (default 0.25; rest 1)
          --queue-timeout D         sent as x-request-queue-timeout (default 2s)
          --hang-timeout D          no complete answer this long after it was due: hanging, cut (default 60s)
          --max-tokens M (default 4)   --prompt-bytes B (default 1600; every prompt distinct)
          --duration D              arrivals during D (default 30s), then the run waits for the answers

        Output:
          --name NAME               the run's name (default: the scenario and the start time)
          --out DIR                 folder for summary.json and report.html (default loadtests/results/NAME)
          --no-progress             no progress line every second

        Other:
          --list-scenarios          the scenarios and what they send
          --help                    this text

        Exit codes: 0 run done with no errors, 1 run done with errors (probe mode: a probe failed), 2 bad command
        line, 3 nothing succeeded.

        """;
}
