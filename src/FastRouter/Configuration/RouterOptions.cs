using Microsoft.Extensions.Logging;

namespace FastRouter.Configuration;

/// <summary>
/// Everything the router was told on its command line, validated. Immutable: the hot path reads it
/// without locks. Defaults match production-stack's router where the flag exists there.
/// </summary>
internal sealed record RouterOptions
{
    /// <summary>Default body limit: large enough for long-context prompts, small enough to refuse abuse.</summary>
    public const long DefaultMaxRequestBodyBytes = 32L * 1024 * 1024;

    /// <summary>
    /// Default of --max-discarded-body-bytes: 8 times the default body limit, so a body up to 288 MiB (the 200 MiB
    /// upload of a misconfigured SDK client, say) still reads its 413, while one connection can make the router
    /// swallow no more than this.
    /// </summary>
    public const long DefaultMaxDiscardedBodyBytes = 256L * 1024 * 1024;

    /// <summary>
    /// Most the default --max-buffered-bytes can be, however much memory the GC may use: 8 bodies of the default
    /// largest size (see <c>Proxying/BufferBudget.ResolveLimit</c>).
    /// </summary>
    public const long DefaultMaxBufferedBytesCap = 256L * 1024 * 1024;

    public string Host { get; init; } = "0.0.0.0";

    public int Port { get; init; } = 8001;

    public ServiceDiscoveryMode ServiceDiscovery { get; init; } = ServiceDiscoveryMode.Static;

    /// <summary>From --static-backends, --static-models and --static-model-labels, aligned by position.</summary>
    public IReadOnlyList<StaticBackendOptions> StaticBackends { get; init; } = [];

    /// <summary>True when --static-models was given: requests naming another model get 404.</summary>
    public bool HasStaticModels { get; init; }

    public string RoutingLogic { get; init; } = RoutingLogicNames.DisaggregatedPrefillOrchestrated;

    public IReadOnlyList<string> PrefillModelLabels { get; init; } = [];

    public IReadOnlyList<string> DecodeModelLabels { get; init; } = [];

    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    public bool LogStats { get; init; }

    public TimeSpan LogStatsInterval { get; init; } = TimeSpan.FromSeconds(10);

    public RemoteHostPolicy KvRemoteHost { get; init; } = RemoteHostPolicy.Auto;

    public MissingKvParamsPolicy OnMissingKvParams { get; init; } = MissingKvParamsPolicy.Fallback;

    public long MaxRequestBodyBytes { get; init; } = DefaultMaxRequestBodyBytes;

    /// <summary>
    /// After a 413 for a body over the limit, how many more of its bytes the router reads and drops so that a client
    /// that writes its whole body before it reads gets the 413 rather than a broken pipe; 0 closes at once.
    /// </summary>
    public long MaxDiscardedBodyBytes { get; init; } = DefaultMaxDiscardedBodyBytes;

    /// <summary>
    /// --max-buffered-bytes: the most bytes of request bodies and prefill answers held at once, all requests together;
    /// null derives it from the memory the GC may use (<c>Proxying/BufferBudget.ResolveLimit</c>).
    /// </summary>
    public long? MaxBufferedBytes { get; init; }

    /// <summary>
    /// How long a body waits for room in the buffer budget before it gets 503 with Retry-After. Short: it only smooths
    /// a moment's peak, and it is what ends a standoff of requests each holding part of the budget. Not a flag.
    /// </summary>
    public TimeSpan BufferBudgetWait { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest the router keeps dropping an oversized body after its 413 (nginx's lingering_time).</summary>
    public TimeSpan DiscardBodyTime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>While dropping an oversized body, the longest wait for its next bytes (nginx's lingering_timeout).</summary>
    public TimeSpan DiscardBodyIdleTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Sent as <c>Authorization: Bearer</c> on both legs; defaults to $VLLM_API_KEY.</summary>
    public string? BackendApiKey { get; init; }

    /// <summary>TCP connect timeout towards a backend pod.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The whole prefill leg (request sent to answer read); prefill is one token, so minutes are plenty.</summary>
    public TimeSpan PrefillTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Decode: request sent to response headers.</summary>
    public TimeSpan DecodeFirstByteTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest silence allowed between two reads of a relayed body; reset by every read. No total timeout.</summary>
    public TimeSpan StreamIdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Pooled connections idle longer than this are closed: below uvicorn's 5 s keep-alive.</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Deepest JSON nesting accepted in a request body.</summary>
    public int MaxJsonDepth { get; init; } = 64;

    /// <summary>
    /// From --socket-threads: how many socket threads .NET runs; null leaves the choice to <c>Hosting/SocketThreads</c>
    /// (one per two cores, or the operator's <c>DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT</c>).
    /// </summary>
    public int? SocketThreads { get; init; }

    /// <summary>How many times a failed request may be retried (prefill failover, or the whole flow again).</summary>
    public int MaxRetries { get; init; } = 2;

    /// <summary>How a pod is picked among the healthy pods of a role.</summary>
    public PodSelection PodSelection { get; init; } = PodSelection.Affinity;

    /// <summary>
    /// --load-bound ε: under affinity, a pod takes a request only while its load stays within (1 + ε)× its role's mean;
    /// the overflow goes to the next pod in the key's order (a prefill request's: in its conversation's order).
    /// </summary>
    public double LoadBound { get; init; } = 0.25;

    /// <summary>--session-key: the request header whose value, when present, is the affinity key instead of the prompt's.</summary>
    public string? SessionKey { get; init; }

    /// <summary>Consecutive failures (transport errors, 5xx, timeouts) that eject a pod; 0 turns passive ejection off.</summary>
    public int EjectAfterFailures { get; init; } = 3;

    /// <summary>First ejection's length; it doubles while the pod keeps failing, up to <see cref="MaxEjectionTime"/>.</summary>
    public TimeSpan EjectionTime { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxEjectionTime { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Probe each pod's /health on an interval; a pod failing its probe gets no new requests.</summary>
    public bool ActiveHealthChecks { get; init; } = true;

    public TimeSpan HealthCheckInterval { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan HealthCheckTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often each pod's <c>/metrics</c> is scraped into <see cref="Discovery.Backend.Engine"/>. 1 s, not
    /// production-stack's 30 s: engine queues move in hundreds of milliseconds, and a load signal older than a few
    /// seconds routes on a past that is gone; the router's own in-flight delta covers the time between scrapes.
    /// </summary>
    public TimeSpan EngineStatsInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether the engine-stats scraper runs (always, from the command line; in-process tests that count a pod's requests turn it off).</summary>
    public bool EngineStatsScraping { get; init; } = true;

    /// <summary>Longest wait for one scrape: min(<see cref="EngineStatsInterval"/>, 2 s), so a slow pod never delays the next round.</summary>
    public TimeSpan EngineStatsTimeout => EngineStatsInterval < TimeSpan.FromSeconds(2) ? EngineStatsInterval : TimeSpan.FromSeconds(2);

    /// <summary>Largest <c>/metrics</c> body read (vLLM's is tens of KiB); a longer one counts as failed and is cut there.</summary>
    public int EngineStatsMaxBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>production-stack's --request-stats-window: the per-pod averages and QPS cover the last this many seconds.</summary>
    public int RequestStatsWindowSeconds { get; init; } = 60;

    /// <summary>Completion requests in flight beyond which new ones get 429 at once.</summary>
    public int MaxConcurrentRequests { get; init; } = 16384;

    /// <summary>
    /// Hold requests in the router's own queue while every pod that could take them is saturated
    /// (<c>FlowControl/FlowController</c>), rather than pile them onto the engines' first-come queues.
    /// </summary>
    public bool FlowControl { get; init; } = true;

    /// <summary>Requests the router's queue holds (all models and bands together); beyond it, 429 with Retry-After.</summary>
    public int QueueSize { get; init; } = 1024;

    /// <summary>Longest wait in the router's queue before 503 with Retry-After; a request's header may shorten it.</summary>
    public TimeSpan QueueTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A pod is saturated when its engine's waiting queue (<c>vllm:num_requests_waiting</c>), plus this router's
    /// requests sent to it since that figure was scraped, reaches this.
    /// </summary>
    public int SaturationWaiting { get; init; } = 5;

    /// <summary>A pod is saturated when its engine's KV cache usage (0 to 1) reaches this; 1 turns the check off.</summary>
    public double SaturationKvCacheUsage { get; init; } = 0.95;

    /// <summary>A pod is saturated when this router has this many requests in flight to it; 0 turns the check off.</summary>
    public int SaturationInFlight { get; init; }

    /// <summary>
    /// A prefill pod is saturated when this router has this many prefills in flight to it; 0 turns the check off.
    /// Prefill pods only: a prefill engine runs a batch at a time and queues the rest first come first served, where
    /// a high-priority request would wait behind them; a decode engine runs its streams side by side.
    /// </summary>
    public int SaturationPrefillInFlight { get; init; }

    /// <summary>The request header of a request's priority: an integer, lower sooner, as vLLM's <c>priority</c> field.</summary>
    public string PriorityHeader { get; init; } = "x-request-priority";

    /// <summary>The request header whose value identifies a client for fair queueing (its API key by default).</summary>
    public string ClientIdHeader { get; init; } = "authorization";

    /// <summary>Requests one client (<see cref="ClientIdHeader"/>) may have in flight; beyond it, 429. 0: no limit.</summary>
    public int ClientMaxConcurrent { get; init; }

    /// <summary>Requests one client may start per second (a bucket of one second's worth); beyond it, 429. 0: no limit.</summary>
    public double ClientMaxRequestsPerSecond { get; init; }

    /// <summary>After SIGTERM, how long the router keeps accepting requests (with /health already 503) so load balancers notice.</summary>
    public TimeSpan ShutdownDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>After it stops accepting, how long in-flight requests and streams may run before they are cut.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>What frees the prefill's KV blocks when the client leaves between prefill and decode (protocol.md §6).</summary>
    public DisconnectKvRelease DisconnectKvRelease { get; init; } = DisconnectKvRelease.Decode;

    /// <summary>Inbound API keys for /v1/*; empty means no authentication.</summary>
    public IReadOnlyList<string> ApiKeys { get; init; } = [];

    /// <summary>Kestrel's limit on all request headers together (431 beyond it).</summary>
    public int MaxRequestHeadersBytes { get; init; } = 32 * 1024;

    /// <summary>Kestrel's limit on the request line (414 beyond it).</summary>
    public int MaxRequestLineBytes { get; init; } = 8 * 1024;

    /// <summary>--log-format: text lines or JSON lines.</summary>
    public Telemetry.LogFormat LogFormat { get; init; } = Telemetry.LogFormat.Text;

    /// <summary>--metrics-port: a second port serving only /metrics; null when not given.</summary>
    public int? MetricsPort { get; init; }

    /// <summary>--otel-endpoint: the OTLP/HTTP collector base URL; null turns tracing export off.</summary>
    public Uri? OtelEndpoint { get; init; }

    /// <summary>--otel-service-name: the service.name resource attribute of exported spans (production-stack's default).</summary>
    public string OtelServiceName { get; init; } = "vllm-router";

    /// <summary>How often queued spans are sent to the collector (sooner when a batch fills).</summary>
    public TimeSpan OtelExportInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// --decode-only-below-tokens: a request whose estimated uncached prompt tokens on the decode pod picked are
    /// below this goes to that pod alone, without a prefill leg; 0 (the default) disaggregates every request.
    /// </summary>
    public int DecodeOnlyBelowTokens { get; init; }

    /// <summary>
    /// --decode-only-without-prefill: when no prefill pod can take a request (none in the route, none available,
    /// all saturated, or every prefill attempt failed), serve it decode-only rather than fail it. Off by default:
    /// some decode deployments cannot prefill.
    /// </summary>
    public bool DecodeOnlyWithoutPrefill { get; init; }


    /// <summary>Start one prefill and one decode simulator in-process and route to them.</summary>
    public bool Demo { get; init; }

    /// <summary>
    /// Kestrel hands each request to the router on the socket thread that read it, and sends the answer from the
    /// thread that wrote it, instead of hopping through the thread pool both ways. Not a flag: the process entry sets
    /// it when socket completions run inline (<c>Hosting/InlineSocketCompletions</c>), the pairing Kestrel's docs ask
    /// for; hosts embedded in another process (tests) choose for themselves.
    /// </summary>
    public bool InlineIoScheduling { get; init; }

    /// <summary>
    /// From --k8s-namespace: where the vLLM pods live. Null means "the router's own namespace" (read from the service
    /// account); production-stack defaults to "default" instead, but its Helm chart always passes the release namespace.
    /// </summary>
    public string? KubernetesNamespace { get; init; }

    /// <summary>From --k8s-port: the vLLM server's port in each discovered pod (production-stack's default, 8000).</summary>
    public int KubernetesPort { get; init; } = 8000;

    /// <summary>From --k8s-label-selector: a Kubernetes label selector; empty selects every pod (production-stack's default).</summary>
    public string KubernetesLabelSelector { get; init; } = string.Empty;
}
