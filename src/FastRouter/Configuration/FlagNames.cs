namespace FastRouter.Configuration;

/// <summary>The spelling of every flag the parser accepts, so the table, the checks and the tests cannot drift apart.</summary>
internal static class FlagNames
{
    public const string Help = "--help";
    public const string HelpShort = "-h";
    public const string Version = "--version";

    // production-stack compatible
    public const string Host = "--host";
    public const string Port = "--port";
    public const string ServiceDiscovery = "--service-discovery";
    public const string StaticBackends = "--static-backends";
    public const string StaticModels = "--static-models";
    public const string StaticModelLabels = "--static-model-labels";
    public const string RoutingLogic = "--routing-logic";
    public const string PrefillModelLabels = "--prefill-model-labels";
    public const string DecodeModelLabels = "--decode-model-labels";
    public const string LogLevel = "--log-level";
    public const string LogStats = "--log-stats";
    public const string LogStatsInterval = "--log-stats-interval";

    // Kubernetes (production-stack compatible)
    public const string K8sNamespace = "--k8s-namespace";
    public const string K8sPort = "--k8s-port";
    public const string K8sLabelSelector = "--k8s-label-selector";

    // FastRouter additions
    public const string KvRemoteHost = "--kv-remote-host";
    public const string OnMissingKvParams = "--on-missing-kv-params";
    public const string MaxRequestBodyBytes = "--max-request-body-bytes";

    public const string MaxBufferedBytes = "--max-buffered-bytes";
    public const string MaxDiscardedBodyBytes = "--max-discarded-body-bytes";
    public const string DiscardBodyTime = "--discard-body-time";
    public const string DiscardBodyIdleTimeout = "--discard-body-idle-timeout";
    public const string BackendApiKey = "--backend-api-key";
    public const string ConnectTimeout = "--connect-timeout";
    public const string PrefillTimeout = "--prefill-timeout";
    public const string DecodeFirstByteTimeout = "--decode-first-byte-timeout";
    public const string StreamIdleTimeout = "--stream-idle-timeout";
    public const string PooledConnectionIdleTimeout = "--pooled-connection-idle-timeout";
    public const string MaxJsonDepth = "--max-json-depth";
    public const string SocketThreads = "--socket-threads";
    public const string Demo = "--demo";
    public const string LogFormat = "--log-format";
    public const string MetricsPort = "--metrics-port";
    public const string OtelEndpoint = "--otel-endpoint";
    public const string OtelServiceName = "--otel-service-name";
    public const string OtelSecure = "--otel-secure";
    public const string MaxRetries = "--max-retries";
    public const string PodSelection = "--pod-selection";
    public const string LoadBound = "--load-bound";
    public const string SessionKey = "--session-key";
    public const string EjectAfterFailures = "--eject-after-failures";
    public const string EjectionTime = "--ejection-time";
    public const string MaxEjectionTime = "--max-ejection-time";
    public const string ActiveHealthChecks = "--active-health-checks";
    public const string HealthCheckInterval = "--health-check-interval";
    public const string HealthCheckTimeout = "--health-check-timeout";
    public const string MaxConcurrentRequests = "--max-concurrent-requests";
    public const string ShutdownDelay = "--shutdown-delay";
    public const string FlowControl = "--flow-control";
    public const string QueueSize = "--queue-size";
    public const string QueueTimeout = "--queue-timeout";
    public const string SaturationWaiting = "--saturation-waiting";
    public const string SaturationKvCache = "--saturation-kv-cache";
    public const string SaturationInFlight = "--saturation-in-flight";
    public const string SaturationPrefillInFlight = "--saturation-prefill-in-flight";
    public const string PriorityHeader = "--priority-header";
    public const string ClientIdHeader = "--client-id-header";
    public const string ClientMaxConcurrent = "--client-max-concurrent";
    public const string ClientMaxRps = "--client-max-rps";
    public const string ShutdownTimeout = "--shutdown-timeout";
    public const string DisconnectKvRelease = "--disconnect-kv-release";
    public const string ApiKey = "--api-key";
    public const string ApiKeyFile = "--api-key-file";
    public const string MaxRequestHeadersBytes = "--max-request-headers-bytes";
    public const string MaxRequestLineBytes = "--max-request-line-bytes";

    // Per-request disaggregation (docs/routing.md, "Decode-only")
    public const string DecodeOnlyBelowTokens = "--decode-only-below-tokens";
    public const string DecodeOnlyWithoutPrefill = "--decode-only-without-prefill";

    // production-stack flags accepted and ignored (with a warning)
    public const string K8sServiceDiscoveryType = "--k8s-service-discovery-type";
    public const string RequestRewriter = "--request-rewriter";

    // production-stack's engine-stats scraper and request-stats window
    public const string EngineStatsInterval = "--engine-stats-interval";
    public const string RequestStatsWindow = "--request-stats-window";

    /// <summary>Environment variable vLLM itself reads for its API key; the default of --backend-api-key.</summary>
    public const string BackendApiKeyEnvironmentVariable = "VLLM_API_KEY";

    /// <summary>Inbound API keys, comma-separated, for deployments that pass secrets as environment variables.</summary>
    public const string ApiKeysEnvironmentVariable = "FASTROUTER_API_KEYS";
}
