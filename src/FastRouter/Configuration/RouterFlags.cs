using System.Globalization;

namespace FastRouter.Configuration;

/// <summary>
/// Every flag the parser accepts, in help-text order. Defaults shown here come from <see cref="RouterOptions"/>
/// so the help cannot disagree with what the router actually uses.
/// </summary>
internal static class RouterFlags
{
    private static readonly RouterOptions Defaults = new();

    public static IReadOnlyList<CommandLineFlag> All { get; } =
    [
        // production-stack compatible: names, meanings and defaults from src/vllm_router/parsers/parser.py.
        new(FlagNames.Host, "HOST", FlagGroup.ProductionStack, "Address to listen on.", Defaults.Host),
        new(FlagNames.Port, "PORT", FlagGroup.ProductionStack, "Port to listen on (0 picks a free port).", Invariant(Defaults.Port)),
        new(FlagNames.ServiceDiscovery, "{static,k8s}", FlagGroup.ProductionStack,
            "How backends are found: a fixed list (--static-*) or Kubernetes pods (--k8s-*). production-stack requires it; here it defaults to static.",
            "static"),
        new(FlagNames.StaticBackends, "URLS", FlagGroup.ProductionStack,
            "Comma-separated backend base URLs, absolute http/https, no path or query. E.g. http://10.0.0.1:8000,http://10.0.0.2:8000",
            null),
        new(FlagNames.StaticModels, "MODELS", FlagGroup.ProductionStack,
            "Comma-separated model names, one per backend (same order). When given, requests for other models get 404.",
            null),
        new(FlagNames.StaticModelLabels, "LABELS", FlagGroup.ProductionStack,
            "Comma-separated model labels, one per backend (same order); matched against --prefill-model-labels and --decode-model-labels. Required in static mode.",
            null),
        new(FlagNames.RoutingLogic, "{" + RoutingLogicNames.DisaggregatedPrefillOrchestrated + "}", FlagGroup.ProductionStack,
            "Routing logic. FastRouter implements only the orchestrated prefill->decode mode; production-stack's other values are refused.",
            RoutingLogicNames.DisaggregatedPrefillOrchestrated),
        new(FlagNames.PrefillModelLabels, "LABELS", FlagGroup.ProductionStack,
            "Comma-separated labels that mark prefill backends. Required.", null),
        new(FlagNames.DecodeModelLabels, "LABELS", FlagGroup.ProductionStack,
            "Comma-separated labels that mark decode backends. Required; must not share a label with the prefill list.", null),
        new(FlagNames.LogLevel, "{critical,error,warning,info,debug,trace}", FlagGroup.ProductionStack, "Log level.", "info"),
        new(FlagNames.LogStats, null, FlagGroup.ProductionStack, "Log statistics periodically.", "off"),
        new(FlagNames.LogStatsInterval, "SECONDS", FlagGroup.ProductionStack,
            "Interval between statistics log lines, in seconds (> 0).", Seconds(Defaults.LogStatsInterval)),
        new(FlagNames.EngineStatsInterval, "SECONDS", FlagGroup.ProductionStack,
            "Scrape every pod's /metrics this often (engine queue, KV cache, prefix cache); up to " + Seconds(RouterOptionsFactory.MaxEngineStatsInterval) + " s, decimals allowed.",
            Seconds(Defaults.EngineStatsInterval)),
        new(FlagNames.RequestStatsWindow, "SECONDS", FlagGroup.ProductionStack,
            "Window of the per-pod request statistics (vllm:current_qps, vllm:avg_latency, ...), whole seconds from 1 to " + Invariant(RouterOptionsFactory.MaxRequestStatsWindowSeconds) + ".",
            Invariant(Defaults.RequestStatsWindowSeconds)),

        new(FlagNames.LogFormat, "{text,json}", FlagGroup.ProductionStack,
            "Console log lines: text, or one JSON object per line (timestamp, level, event id, request id, trace id, fields).", "text"),
        new(FlagNames.OtelEndpoint, "URL", FlagGroup.ProductionStack,
            "Export request, prefill and decode spans over OTLP/HTTP (JSON) to URL, e.g. http://otel-collector:4318 (host:port means http://host:port). Unset: no spans, no cost.",
            "none"),
        new(FlagNames.OtelServiceName, "NAME", FlagGroup.ProductionStack, "service.name of the exported spans.", Defaults.OtelServiceName),
        new(FlagNames.OtelSecure, null, FlagGroup.ProductionStack, "With a host:port --otel-endpoint, use https.", "off"),

        // Kubernetes discovery: production-stack's names and defaults, except the namespace (see below).
        new(FlagNames.K8sNamespace, "NAMESPACE", FlagGroup.Kubernetes,
            "Namespace of the vLLM pods. Unset: the router's own namespace (service account file), where production-stack uses \"default\".",
            "the router's namespace"),
        new(FlagNames.K8sPort, "PORT", FlagGroup.Kubernetes, "Port of the vLLM server in each pod.", Invariant(Defaults.KubernetesPort)),
        new(FlagNames.K8sLabelSelector, "SELECTOR", FlagGroup.Kubernetes,
            "Kubernetes label selector for the vLLM pods, e.g. \"app in (prefill,decode)\". Empty selects every pod in the namespace.",
            "\"\""),

        // FastRouter additions.
        new(FlagNames.KvRemoteHost, "{auto,always,never}", FlagGroup.FastRouter,
            "What to do with kv_transfer_params.remote_host from prefill: auto overwrites it with the prefill pod's host only when missing, empty, loopback or wildcard; always overwrites (production-stack); never passes it through (upstream vLLM proxy).",
            "auto"),
        new(FlagNames.OnMissingKvParams, "{fallback,fail}", FlagGroup.FastRouter,
            "When prefill returns no kv_transfer_params: fallback sends the plain request to decode (logged, counted); fail answers the client with an error.",
            "fallback"),
        new(FlagNames.MaxRequestBodyBytes, "SIZE", FlagGroup.FastRouter,
            "Largest request body accepted: bytes, or with a suffix KB/MB/GB (x1000) or KiB/MiB/GiB (x1024), e.g. 32MiB.",
            "32MiB"),
        new(FlagNames.MaxBufferedBytes, "SIZE", FlagGroup.FastRouter,
            "Most bytes of request bodies and prefill answers held at once, all requests together; a body that finds no room within 1 s gets 503 with Retry-After. At least --max-request-body-bytes. Default: a quarter of the memory the GC may use (75% of a container's memory limit), at most 256MiB.",
            "auto"),
        new(FlagNames.MaxDiscardedBodyBytes, "SIZE", FlagGroup.FastRouter,
            "After a 413 for a body over the limit, read and drop up to this much more of it before closing the connection, so a client that writes its whole body before reading (Python's http.client, httpx, the openai SDK) reads the 413 instead of a broken pipe. 0 closes at once.",
            "256MiB"),
        new(FlagNames.DiscardBodyTime, "SECONDS", FlagGroup.FastRouter,
            "Longest time spent dropping an oversized body after its 413 (as nginx's lingering_time).", Seconds(Defaults.DiscardBodyTime)),
        new(FlagNames.DiscardBodyIdleTimeout, "SECONDS", FlagGroup.FastRouter,
            "While dropping an oversized body, the longest wait for its next bytes (as nginx's lingering_timeout).", Seconds(Defaults.DiscardBodyIdleTimeout)),
        new(FlagNames.BackendApiKey, "KEY", FlagGroup.FastRouter,
            "Sent as 'Authorization: Bearer KEY' on the prefill and decode requests. Empty: none.", "$" + FlagNames.BackendApiKeyEnvironmentVariable),
        new(FlagNames.ConnectTimeout, "SECONDS", FlagGroup.FastRouter, "TCP connect timeout towards a backend.", Seconds(Defaults.ConnectTimeout)),
        new(FlagNames.PrefillTimeout, "SECONDS", FlagGroup.FastRouter,
            "All prefill attempts of one request together, each sent to answer read: an attempt a retry may follow gets half of what is left, the last all of it (300 s with 2 retries: 150, 75, 75), so a hung pod fails over and the client waits at most this long for prefill.",
            Seconds(Defaults.PrefillTimeout)),
        new(FlagNames.DecodeFirstByteTimeout, "SECONDS", FlagGroup.FastRouter,
            "Decode request sent to response headers received.", Seconds(Defaults.DecodeFirstByteTimeout)),
        new(FlagNames.StreamIdleTimeout, "SECONDS", FlagGroup.FastRouter,
            "Longest silence between two reads of a relayed body; there is no total timeout.", Seconds(Defaults.StreamIdleTimeout)),
        new(FlagNames.PooledConnectionIdleTimeout, "SECONDS", FlagGroup.FastRouter,
            "Close pooled backend connections idle this long (keep it below uvicorn's 5 s keep-alive).", Seconds(Defaults.PooledConnectionIdleTimeout)),
        new(FlagNames.MaxJsonDepth, "DEPTH", FlagGroup.FastRouter,
            "Deepest JSON nesting accepted in a request body (1-" + Invariant(RouterOptionsFactory.MaxJsonDepthLimit) + ").", Invariant(Defaults.MaxJsonDepth)),
        new(FlagNames.SocketThreads, "N", FlagGroup.FastRouter,
            "Socket (epoll) threads, 1-" + Invariant(RouterOptionsFactory.MaxSocketThreads) + "; with inline socket completions they do all the proxying. Default: one per two cores (at least 1), or $DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT.",
            "cores/2"),
        new(FlagNames.MaxRetries, "N", FlagGroup.FastRouter,
            "Retries of a failed request: prefill on another pod, or the whole flow again when decode fails before its first byte (0-10).",
            Invariant(Defaults.MaxRetries)),
        new(FlagNames.PodSelection, "{affinity,least-load,least-in-flight,round-robin}", FlagGroup.FastRouter,
            "How a pod of a role is picked: rendezvous hashing of the prompt's prefix (or --session-key) under --load-bound; power of two choices on engine load plus this router's requests, or on requests in flight; or each in turn. See docs/routing.md.",
            "affinity"),
        new(FlagNames.LoadBound, "EPSILON", FlagGroup.FastRouter,
            "With affinity, a pod takes a request only while its load stays within (1 + EPSILON) x its role's mean; the rest spills down the key's order (prefill: the conversation's) (0.01-10).",
            Defaults.LoadBound.ToString(CultureInfo.InvariantCulture)),
        new(FlagNames.SessionKey, "HEADER", FlagGroup.ProductionStack,
            "Request header whose value, when present, is the affinity key: requests with the same value stick to the same prefill and decode pods (under --load-bound).",
            null),
        new(FlagNames.EjectAfterFailures, "N", FlagGroup.FastRouter,
            "Consecutive failures (transport errors, 5xx, timeouts) that eject a pod for a while; 0 turns passive ejection off.",
            Invariant(Defaults.EjectAfterFailures)),
        new(FlagNames.EjectionTime, "SECONDS", FlagGroup.FastRouter,
            "Length of a first ejection; it doubles while the pod keeps failing.", Seconds(Defaults.EjectionTime)),
        new(FlagNames.MaxEjectionTime, "SECONDS", FlagGroup.FastRouter, "Longest ejection.", Seconds(Defaults.MaxEjectionTime)),
        new(FlagNames.ActiveHealthChecks, "{on,off}", FlagGroup.FastRouter,
            "Probe each pod's /health; a pod failing its probe gets no new requests.", "on"),
        new(FlagNames.HealthCheckInterval, "SECONDS", FlagGroup.FastRouter, "Interval of the active probes.", Seconds(Defaults.HealthCheckInterval)),
        new(FlagNames.HealthCheckTimeout, "SECONDS", FlagGroup.FastRouter, "Timeout of one active probe.", Seconds(Defaults.HealthCheckTimeout)),
        new(FlagNames.MaxConcurrentRequests, "N", FlagGroup.FastRouter,
            "Completion requests in flight beyond which new ones get 429 with Retry-After at once.", Invariant(Defaults.MaxConcurrentRequests)),
        new(FlagNames.FlowControl, "{on,off}", FlagGroup.FastRouter,
            "While every pod that could take a request is saturated, hold it in the router's queue (by priority, fair between clients) instead of piling it onto the engines.", "on"),
        new(FlagNames.QueueSize, "N", FlagGroup.FastRouter,
            "Requests the router's queue holds; beyond it, 429 with Retry-After.", Invariant(Defaults.QueueSize)),
        new(FlagNames.QueueTimeout, "SECONDS", FlagGroup.FastRouter,
            "Longest wait in the router's queue, then 503 with Retry-After; the header x-request-queue-timeout (seconds) may shorten it.",
            Seconds(Defaults.QueueTimeout)),
        new(FlagNames.SaturationWaiting, "N", FlagGroup.FastRouter,
            "A pod is saturated when its engine's waiting requests (vllm:num_requests_waiting) plus this router's requests sent since that scrape reach N.",
            Invariant(Defaults.SaturationWaiting)),
        new(FlagNames.SaturationKvCache, "FRACTION", FlagGroup.FastRouter,
            "A pod is saturated when its engine's KV cache usage (vllm:kv_cache_usage_perc) reaches this; 1 turns the check off.",
            Invariant(Defaults.SaturationKvCacheUsage)),
        new(FlagNames.SaturationInFlight, "N", FlagGroup.FastRouter,
            "A pod is saturated when this router has N requests in flight to it; 0 turns the check off.", Invariant(Defaults.SaturationInFlight)),
        new(FlagNames.SaturationPrefillInFlight, "N", FlagGroup.FastRouter,
            "A prefill pod is saturated when this router has N prefills in flight to it (decode pods are not held by it); set it to the prefills the engine runs at once so that nothing waits in its first-come queue; 0 turns the check off.",
            Invariant(Defaults.SaturationPrefillInFlight)),
        new(FlagNames.PriorityHeader, "HEADER", FlagGroup.FastRouter,
            "Request header of a request's priority: an integer, lower is sooner (as vLLM's priority); negative, 0 and positive are the queue's three bands.",
            Defaults.PriorityHeader),
        new(FlagNames.ClientIdHeader, "HEADER", FlagGroup.FastRouter,
            "Request header that identifies a client for fair queueing and the per-client limits (its API key by default).", Defaults.ClientIdHeader),
        new(FlagNames.ClientMaxConcurrent, "N", FlagGroup.FastRouter,
            "Requests one client may have in flight; beyond it, 429 with Retry-After. 0: no limit.", Invariant(Defaults.ClientMaxConcurrent)),
        new(FlagNames.ClientMaxRps, "RATE", FlagGroup.FastRouter,
            "Requests one client may start per second (bursts up to one second's worth); beyond it, 429 with Retry-After. 0: no limit.",
            Invariant(Defaults.ClientMaxRequestsPerSecond)),
        new(FlagNames.ShutdownDelay, "SECONDS", FlagGroup.FastRouter,
            "After SIGTERM, keep accepting requests this long with /health already 503, so load balancers stop sending (0 allowed).",
            Seconds(Defaults.ShutdownDelay)),
        new(FlagNames.ShutdownTimeout, "SECONDS", FlagGroup.FastRouter,
            "Then how long in-flight requests and streams may finish before they are cut. A second signal while draining exits at once (code 143 for SIGTERM).",
            Seconds(Defaults.ShutdownTimeout)),
        new(FlagNames.DisconnectKvRelease, "{decode,lease}", FlagGroup.FastRouter,
            "Decode will not run with prefill's params or may not have taken them (client gone between the legs, decode refused or failed before answering): send a decode pod the params once in a one-token call so prefill frees its KV (decode), or leave it to the prefill's lease (lease).",
            "decode"),
        new(FlagNames.ApiKey, "KEY", FlagGroup.FastRouter,
            "An inbound API key: requests to /v1/* must send 'Authorization: Bearer KEY'. Repeatable; also --api-key-file and $" + FlagNames.ApiKeysEnvironmentVariable + " (comma-separated).",
            "none", Repeatable: true),
        new(FlagNames.ApiKeyFile, "PATH", FlagGroup.FastRouter, "A file of inbound API keys, one per line ('#' comments).", null),
        new(FlagNames.MaxRequestHeadersBytes, "SIZE", FlagGroup.FastRouter, "Largest request header block (431 beyond it).", "32KiB"),
        new(FlagNames.MaxRequestLineBytes, "SIZE", FlagGroup.FastRouter, "Longest request line (414 beyond it).", "8KiB"),
        new(FlagNames.DecodeOnlyBelowTokens, "TOKENS", FlagGroup.FastRouter,
            "Send a request whose uncached prompt (estimated at 4 bytes a token from the prompt and what the decode pod picked likely holds) is below TOKENS to that decode pod alone, without prefill. 0 disaggregates every request. Only for decode pods that can prefill.",
            Invariant(Defaults.DecodeOnlyBelowTokens)),
        new(FlagNames.DecodeOnlyWithoutPrefill, null, FlagGroup.FastRouter,
            "When no prefill pod can take a request (none, none available, all saturated, or every prefill attempt failed), serve it on a decode pod alone instead of failing it. Only for decode pods that can prefill.",
            "off"),
        new(FlagNames.MetricsPort, "PORT", FlagGroup.FastRouter,
            "Also serve GET /metrics on this port (1-65535), apart from client traffic; /metrics stays on the main port too.", "none"),
        new(FlagNames.Demo, null, FlagGroup.FastRouter,
            "Start a simulated prefill pod and decode pod in-process and route to them; --static-* flags become optional.", "off"),

        // Accepted for compatibility with production-stack's Helm chart, which passes them by default.
        new(FlagNames.K8sServiceDiscoveryType, "{pod-ip}", FlagGroup.AcceptedAndIgnored,
            "Accepted only as pod-ip, which is what FastRouter does (the KV side channel must reach the exact pod); service-name is refused.",
            null),
        new(FlagNames.RequestRewriter, "{noop}", FlagGroup.AcceptedAndIgnored,
            "Ignored: noop, production-stack's only choice, is what FastRouter does.", null),
    ];

    /// <summary>The flag spelled <paramref name="name"/>, or null when the parser does not accept it.</summary>
    public static CommandLineFlag? Find(string name)
    {
        foreach (CommandLineFlag flag in All)
        {
            if (string.Equals(flag.Name, name, StringComparison.Ordinal))
            {
                return flag;
            }
        }

        return null;
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString(CultureInfo.InvariantCulture);
}
