using System.Diagnostics.Metrics;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Proxying;

namespace FastRouter.Telemetry;

/// <summary>
/// The hot path's one door to metrics. Instruments are System.Diagnostics.Metrics ones on the <c>FastRouter</c>
/// meter (so any listener, dotnet-counters included, sees them); <see cref="MetricsCollector"/> aggregates them
/// for <c>/metrics</c>. Per-pod sliding-window stats for production-stack's <c>vllm:*</c> gauges are kept beside.
/// <para>
/// Every method is thread-safe, takes no lock and allocates nothing once a pod's series exist. Where each call
/// goes in <c>OrchestratedProxy</c> is written on each method as the step number of <c>OrchestrateAsync</c>
/// (docs/architecture.md "One request, top to bottom"). Timestamps are <see cref="TimeProvider.GetTimestamp"/>
/// values, the same as <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> with the system clock.
/// </para>
/// </summary>
internal sealed partial class RouterMetrics : IDisposable
{
    public const string MeterName = "FastRouter";

    private readonly TimeProvider _time;
    private readonly Meter _meter;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _prefillDuration;
    private readonly Histogram<double> _decodeDuration;
    private readonly Histogram<double> _kvHandoff;
    private readonly Histogram<double> _interEventGap;
    private readonly Histogram<double> _routerTime;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _backendCalls;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _podPicks;
    private readonly Counter<long> _ejections;
    private readonly Counter<long> _missingKvParams;
    private readonly Counter<long> _clientDisconnects;
    private readonly Counter<long> _decodeDrains;
    private readonly Counter<long> _tokens;
    private readonly UpDownCounter<long> _requestsInFlight;

    // production-stack compatible (vllm:*), same names, labels and meanings as its router's metrics_service.
    private readonly Counter<long> _vllmIncoming;
    private readonly Counter<long> _vllmErrors;
    private readonly Counter<long> _vllmInputTokens;
    private readonly Counter<long> _vllmOutputTokens;
    private readonly Histogram<double> _vllmLatency;

    public RouterMetrics(IBackendDiscovery discovery, RouterOptions options, TimeProvider? time = null, ConsoleLog.RouterConsoleLoggerProvider? consoleLog = null, BufferBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(discovery);
        ArgumentNullException.ThrowIfNull(options);
        _time = time ?? TimeProvider.System;
        Discovery = discovery;
        Pods = new PodTracker(_time, StatsWindowSeconds);
        _meter = new Meter(MeterName, RouterCommandLine.GetVersion());

        _requestDuration = Histogram("fastrouter.request.duration", "s", "End-to-end duration of client requests, arrival to last byte.", BucketBoundaries.Latency);
        _timeToFirstToken = Histogram("fastrouter.time_to_first_token", "s", "Request arrival to the first decode content byte sent to the client, by decode pod.", BucketBoundaries.Latency);
        _prefillDuration = Histogram("fastrouter.prefill.duration", "s", "Prefill leg, request sent to answer read, by prefill pod.", BucketBoundaries.Latency);
        _decodeDuration = Histogram("fastrouter.decode.duration", "s", "Decode leg, request sent to last byte relayed, by decode pod.", BucketBoundaries.Latency);
        _kvHandoff = Histogram("fastrouter.kv_handoff", "s", "Prefill answer read to the decode pod's first byte (KV transfer and first decode step), by decode pod.", BucketBoundaries.Latency);
        _interEventGap = Histogram("fastrouter.inter_event_gap", "s", "Gap between consecutive relayed stream writes at event boundaries (inter-token latency), by decode pod.", BucketBoundaries.InterEvent);
        _routerTime = Histogram("fastrouter.router_time", "s", "Time the router itself spent on a request, excluding waits on pods and on the client.", BucketBoundaries.RouterTime);
        _requests = _meter.CreateCounter<long>("fastrouter.requests", "{request}", "Completed client requests by route, stream and status class.");
        _backendCalls = _meter.CreateCounter<long>("fastrouter.backend.calls", "{call}", "Backend calls by role, pod and outcome.");
        _retries = _meter.CreateCounter<long>("fastrouter.retries", "{retry}", "Retries by role and reason.");
        _podPicks = _meter.CreateCounter<long>("fastrouter.pod_picks", "{pick}", "Pods picked by role and reason: affinity (the key's first pod), spilled (a later one, the first over the load bound or unavailable), least_load, round_robin, only_choice.");
        _ejections = _meter.CreateCounter<long>("fastrouter.ejections", "{ejection}", "Pods ejected after failures, by role and pod.");
        _missingKvParams = _meter.CreateCounter<long>("fastrouter.missing_kv_params", "{answer}", "Prefill answers without kv_transfer_params, by policy applied.");
        _clientDisconnects = _meter.CreateCounter<long>("fastrouter.client_disconnects", "{request}", "Clients that left before the answer ended, by phase.");
        _decodeDrains = _meter.CreateCounter<long>("fastrouter.decode_drains", "{request}", "Decode calls sent only so the prefill pod frees its KV, by cause: the client left between the legs, decode turned the request down, or the decode pod picked could not be reached, was reset, answered 5xx or timed out before its headers.");
        _tokens = _meter.CreateCounter<long>("fastrouter.tokens", "{token}", "Prompt and completion tokens from the usage the decode pods return.");
        if (budget is not null)
        {
            // Observed, not added to, so the family reads 0 from the start rather than appearing with its first 503.
            _meter.CreateObservableCounter("fastrouter.buffer_budget_rejections", () => budget.Rejections, "{request}", "Requests answered 503 because the buffer budget (--max-buffered-bytes) had no room for their request body (or a prefill answer past 64 KiB) within the wait.");
            _meter.CreateObservableGauge("fastrouter.buffered", () => budget.Used, "By", "Bytes of request bodies and prefill answers held now, charged to the buffer budget.");
            _meter.CreateObservableGauge("fastrouter.buffer_budget", () => budget.Limit, "By", "The buffer budget (--max-buffered-bytes).");
        }

        _requestsInFlight = _meter.CreateUpDownCounter<long>("fastrouter.requests.in_flight", "{request}", "Client requests being handled.");
        _meter.CreateObservableGauge("fastrouter.backend.in_flight", ObserveBackendInFlight, "{call}", "Calls in flight by role and pod.");
        _meter.CreateObservableGauge("fastrouter.pods", ObservePods, "{pod}", "Known pods by role and state (ready, ejected).");
        if (consoleLog is not null)
        {
            ConsoleLog.ConsoleLogWriter writer = consoleLog.Writer;
            _meter.CreateObservableCounter("fastrouter.log_lines_dropped", () => writer.DroppedLines, "{line}", "Console log lines dropped because standard output did not keep up; requests never wait for the console.");
        }

        _meter.CreateObservableCounter("process.cpu", ProcessStats.CpuSeconds, "s", "Total user and system CPU time spent, in seconds.");
        _meter.CreateObservableGauge("process.resident_memory", ProcessStats.ResidentBytes, "By", "Resident memory size in bytes.");
        _meter.CreateObservableGauge("process.start_time", ProcessStats.StartTimeSeconds, "s", "Start time of the process since the Unix epoch, in seconds.");

        _vllmIncoming = _meter.CreateCounter<long>("vllm:num_incoming_requests", null, "Total valid incoming requests to router (including when no backends available).");
        _vllmErrors = _meter.CreateCounter<long>("vllm:request_errors", null, "Total request errors");
        _vllmInputTokens = _meter.CreateCounter<long>("vllm:input_tokens", null, "Total input tokens processed");
        _vllmOutputTokens = _meter.CreateCounter<long>("vllm:output_tokens", null, "Total output tokens generated");
        _vllmLatency = Histogram("vllm:request_latency", "s", "End-to-end request latency observed at the router", BucketBoundaries.ProductionStackLatency);
        CreateProductionStackGauges();
    }

    /// <summary>production-stack's --request-stats-window default: the averages and QPS cover the last 60 s.</summary>
    public static int StatsWindowSeconds => 60;

    public IBackendDiscovery Discovery { get; }

    /// <summary>This router's meter (one per router, so routers in one process keep apart).</summary>
    public Meter Meter => _meter;

    public PodTracker Pods { get; }

    public TimeProvider Time => _time;

    /// <summary>
    /// Step 0, first thing in <c>HandleAsync</c>, once per client completion request (before the body is read).
    /// Pair with exactly one <see cref="RequestCompleted"/>.
    /// </summary>
    public void RequestStarted() => _requestsInFlight.Add(1);

    /// <summary>
    /// Step 3, once the model resolved to a route (before picking pods, even when none is available):
    /// production-stack's <c>vllm:num_incoming_requests{model}</c>. <paramref name="model"/> is
    /// <c>ModelRoute.Model</c> (null for the catch-all route), never the client's raw text.
    /// </summary>
    public void RequestRouted(string? model) => _vllmIncoming.Add(1, new KeyValuePair<string, object?>(MetricLabels.Model, model ?? string.Empty));

    /// <summary>
    /// Steps 4 and 6, just before <c>Invoker.SendAsync</c> of each leg (and of each retry of a leg). Keep the result
    /// in a local and pass it to <see cref="BackendFirstByte"/> and <see cref="BackendCallCompleted"/>.
    /// </summary>
    /// <param name="pod">The pod called; its role picks prefill or decode metrics.</param>
    /// <param name="model"><c>ModelRoute.Model</c>; null for the catch-all route.</param>
    public BackendCall BackendCallStarted(Backend pod, string? model)
    {
        ArgumentNullException.ThrowIfNull(pod);
        long now = _time.GetTimestamp();
        PodStats stats = Pods.For(pod);
        stats.OnStarted(Second(now));
        return new BackendCall(pod, stats, model ?? string.Empty, now);
    }

    /// <summary>
    /// When the pod's response headers arrived (<c>SendAsync</c> returned), steps 4 and 6. Moves the call from
    /// production-stack's "prefill" to its "decoding" state (<c>vllm:num_prefill_requests</c> →
    /// <c>vllm:num_decoding_requests</c>). For a prefill leg it is optional.
    /// </summary>
    public void BackendFirstByte(ref BackendCall call)
    {
        if (call.FirstByteAt == 0 && !call.Completed && call.Stats is not null)
        {
            call.FirstByteAt = _time.GetTimestamp();
            call.Stats.OnFirstByte();
        }
    }

    /// <summary>
    /// In the <c>finally</c> of each leg (steps 4 and 6, and each retry), exactly once per
    /// <see cref="BackendCallStarted"/>; a second call is ignored. Records the leg's duration
    /// (<c>fastrouter_prefill_duration_seconds</c> or <c>fastrouter_decode_duration_seconds</c>), the call counter,
    /// and production-stack's per-server latency, errors and in-flight gauges.
    /// </summary>
    public void BackendCallCompleted(ref BackendCall call, BackendOutcome outcome)
    {
        if (call.Completed || call.Stats is null)
        {
            return;
        }

        call.Completed = true;
        long now = _time.GetTimestamp();
        double seconds = _time.GetElapsedTime(call.StartedAt, now).TotalSeconds;
        Backend pod = call.Pod;
        string role = MetricLabels.RoleOf(pod.Role);
        string outcomeLabel = MetricLabels.Of(outcome);
        var podTag = new KeyValuePair<string, object?>(MetricLabels.Pod, pod.Name);
        var outcomeTag = new KeyValuePair<string, object?>(MetricLabels.Outcome, outcomeLabel);
        (pod.Role == BackendRole.Prefill ? _prefillDuration : _decodeDuration).Record(seconds, podTag, outcomeTag);
        _backendCalls.Add(1, new KeyValuePair<string, object?>(MetricLabels.Role, role), podTag, outcomeTag);

        bool failed = outcome is not (BackendOutcome.Success or BackendOutcome.Cancelled or BackendOutcome.ClientError);
        var server = new KeyValuePair<string, object?>(MetricLabels.Server, pod.Name);
        var model = new KeyValuePair<string, object?>(MetricLabels.Model, call.Model);
        _vllmLatency.Record(seconds, server, model, new KeyValuePair<string, object?>(MetricLabels.Status, failed ? "error" : "success"));
        if (failed)
        {
            _vllmErrors.Add(1, server, model, new KeyValuePair<string, object?>(MetricLabels.ErrorType, outcomeLabel));
        }

        call.Stats.OnCompleted(Second(now), call.FirstByteAt != 0, seconds, failed);
    }

    /// <summary>
    /// Step 7, right after the first flush of decode content to the client (the first SSE event, or the first body
    /// bytes of a JSON answer). Records TTFT (arrival → now) and the KV handoff gap (prefill answer read → now) for
    /// the decode pod. Returns now: keep it as the previous flush time for <see cref="StreamEventsFlushed"/>.
    /// </summary>
    /// <param name="decode">The decode pod relaying.</param>
    /// <param name="requestStartedAt">The request's arrival timestamp (step 0).</param>
    /// <param name="prefillAnsweredAt">When the prefill answer had been read (end of step 4); 0 when there was no prefill answer.</param>
    public long FirstByteToClient(Backend decode, long requestStartedAt, long prefillAnsweredAt)
    {
        ArgumentNullException.ThrowIfNull(decode);
        long now = _time.GetTimestamp();
        var podTag = new KeyValuePair<string, object?>(MetricLabels.Pod, decode.Name);
        _timeToFirstToken.Record(_time.GetElapsedTime(requestStartedAt, now).TotalSeconds, podTag);
        if (prefillAnsweredAt != 0)
        {
            _kvHandoff.Record(_time.GetElapsedTime(prefillAnsweredAt, now).TotalSeconds, podTag);
        }

        return now;
    }

    /// <summary>
    /// Step 7, in <c>DecodeRelay</c>'s loop after every later flush that ends at an event boundary of an SSE
    /// stream (not for JSON answers): records the gap since the previous flush (inter-token latency as the client
    /// sees it) and feeds <c>vllm:avg_itl</c>. Returns now, the next call's <paramref name="previousFlushAt"/>.
    /// </summary>
    public long StreamEventsFlushed(in BackendCall decodeCall, long previousFlushAt)
    {
        long now = _time.GetTimestamp();
        TimeSpan gap = _time.GetElapsedTime(previousFlushAt, now);
        _interEventGap.Record(gap.TotalSeconds, new KeyValuePair<string, object?>(MetricLabels.Pod, decodeCall.Pod.Name));
        decodeCall.Stats.InterEvent.Add(Second(now), gap.Ticks / 10);
        return now;
    }

    /// <summary>
    /// Step 7 end, in <c>HandleAsync</c>'s <c>finally</c>: exactly once per <see cref="RequestStarted"/>, on every
    /// path (errors answered by the router included). <paramref name="total"/> and <paramref name="routerTime"/>
    /// come from the request's <see cref="RequestClock"/>.
    /// </summary>
    /// <param name="statusCode">The status sent to the client (<c>Response.StatusCode</c>).</param>
    /// <param name="clientDisconnected">True when the client left before the answer ended.</param>
    public void RequestCompleted(CompletionEndpoint endpoint, bool stream, int statusCode, bool clientDisconnected, TimeSpan total, TimeSpan routerTime)
    {
        var route = new KeyValuePair<string, object?>(MetricLabels.Route, MetricLabels.RouteOf(endpoint));
        var streamTag = new KeyValuePair<string, object?>(MetricLabels.Stream, stream ? MetricLabels.True : MetricLabels.False);
        _requestsInFlight.Add(-1);
        _requests.Add(1, route, streamTag, new KeyValuePair<string, object?>(MetricLabels.StatusClass, MetricLabels.StatusClassOf(statusCode)));
        _requestDuration.Record(total.TotalSeconds, route, streamTag, new KeyValuePair<string, object?>(MetricLabels.Outcome, MetricLabels.RequestOutcomeOf(statusCode, clientDisconnected)));
        _routerTime.Record(routerTime.TotalSeconds, route);
    }

    /// <summary>Whenever a leg is retried (resilience work), before the retry's <see cref="BackendCallStarted"/>.</summary>
    /// <summary>Steps 5 and 6, on every pick of a pod (<see cref="Balancing.PodPicker"/>).</summary>
    public void PodPicked(BackendRole role, Balancing.PickReason reason) =>
        _podPicks.Add(1, new KeyValuePair<string, object?>(MetricLabels.Role, MetricLabels.RoleOf(role)), new KeyValuePair<string, object?>(MetricLabels.Reason, MetricLabels.Of(reason)));

    public void Retry(BackendRole role, RetryReason reason) =>
        _retries.Add(1, new KeyValuePair<string, object?>(MetricLabels.Role, MetricLabels.RoleOf(role)), new KeyValuePair<string, object?>(MetricLabels.Reason, MetricLabels.Of(reason)));

    /// <summary>When passive health ejects a pod (once per ejection). The pod counts as <c>state="ejected"</c> until <see cref="Readmitted"/>.</summary>
    public void Ejected(Backend pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        _ejections.Add(1, new KeyValuePair<string, object?>(MetricLabels.Role, MetricLabels.RoleOf(pod.Role)), new KeyValuePair<string, object?>(MetricLabels.Pod, pod.Name));
        Pods.For(pod).SetEjected(true);
    }

    /// <summary>When an ejected pod is routable again (ejection over, or its probe passes).</summary>
    public void Readmitted(Backend pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        Pods.For(pod).SetEjected(false);
    }

    /// <summary>Step 5, when the prefill answer has no <c>kv_transfer_params</c>, with the policy applied.</summary>
    public void MissingKvParams(MissingKvParamsPolicy policy) =>
        _missingKvParams.Add(1, new KeyValuePair<string, object?>(MetricLabels.Policy, MetricLabels.Of(policy)));

    /// <summary>Where the proxy logs <c>ClientDisconnected</c>: once per request whose client left, with the phase.</summary>
    public void ClientDisconnected(DisconnectPhase phase) =>
        _clientDisconnects.Add(1, new KeyValuePair<string, object?>(MetricLabels.Phase, MetricLabels.Of(phase)));

    /// <summary>Steps 1 and 6, when a request gets 503 because its body or its prefill answer found no room in the buffer budget.</summary>
    /// <summary>Steps 8-10 under <c>--disconnect-kv-release decode</c>: a decode call sent only to release KV, once it answered, with its cause.</summary>
    public void DecodeDrained(KvReleaseCause cause) =>
        _decodeDrains.Add(1, new KeyValuePair<string, object?>(MetricLabels.Cause, MetricLabels.Of(cause)));

    /// <summary>
    /// Step 7, once per request, when the decode answer's <c>usage</c> was seen (see <see cref="UsageScanner"/>):
    /// the last SSE event with usage, or the JSON body. Not called when the answer had no usage.
    /// </summary>
    public void Tokens(in BackendCall decodeCall, long promptTokens, long completionTokens)
    {
        _tokens.Add(promptTokens, new KeyValuePair<string, object?>(MetricLabels.Kind, "prompt"));
        _tokens.Add(completionTokens, new KeyValuePair<string, object?>(MetricLabels.Kind, "completion"));
        var server = new KeyValuePair<string, object?>(MetricLabels.Server, decodeCall.Pod.Name);
        var model = new KeyValuePair<string, object?>(MetricLabels.Model, decodeCall.Model);
        _vllmInputTokens.Add(promptTokens, server, model);
        _vllmOutputTokens.Add(completionTokens, server, model);
        decodeCall.Stats.DecodingLength.Add(Second(_time.GetTimestamp()), completionTokens);
    }

    public void Dispose() => _meter.Dispose();

    internal long Second(long timestamp) => timestamp / _time.TimestampFrequency;

    private Histogram<double> Histogram(string name, string unit, string description, double[] bounds) =>
        _meter.CreateHistogram(name, unit, description, tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = bounds });

    private IEnumerable<Measurement<int>> ObserveBackendInFlight()
    {
        Backend[] pods = Discovery.Current.Backends;
        var measurements = new Measurement<int>[pods.Length];
        for (int i = 0; i < pods.Length; i++)
        {
            measurements[i] = new Measurement<int>(
                pods[i].InFlight,
                new KeyValuePair<string, object?>(MetricLabels.Role, MetricLabels.RoleOf(pods[i].Role)),
                new KeyValuePair<string, object?>(MetricLabels.Pod, pods[i].Name));
        }

        return measurements;
    }

    private IEnumerable<Measurement<int>> ObservePods()
    {
        RoutingTable table = Discovery.Current;
        Pods.Observe(table);
        Span<int> counts = stackalloc int[4];
        foreach (Backend pod in table.Backends)
        {
            counts[((int)pod.Role * 2) + (Pods.For(pod).Ejected ? 1 : 0)]++;
        }

        return
        [
            Pod(counts[0], "prefill", "ready"), Pod(counts[1], "prefill", "ejected"),
            Pod(counts[2], "decode", "ready"), Pod(counts[3], "decode", "ejected"),
        ];

        static Measurement<int> Pod(int count, string role, string state) =>
            new(count, new KeyValuePair<string, object?>(MetricLabels.Role, role), new KeyValuePair<string, object?>(MetricLabels.State, state));
    }
}
