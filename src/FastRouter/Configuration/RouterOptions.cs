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

    /// <summary>Start one prefill and one decode simulator in-process and route to them.</summary>
    public bool Demo { get; init; }

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
