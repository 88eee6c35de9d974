using System.Globalization;
using Microsoft.Extensions.Logging;

namespace FastRouter.Configuration;

/// <summary>
/// Turns the flag values the tokenizer collected into a validated <see cref="RouterOptions"/>. Every check that
/// needs more than one flag lives here, so the router never starts with a configuration it cannot route with.
/// </summary>
internal static class RouterOptionsFactory
{
    /// <summary>
    /// Upper bound for --max-json-depth: deeper documents are abuse, not prompts, and a bound keeps any recursive
    /// JSON handling far from the stack limit.
    /// </summary>
    public const int MaxJsonDepthLimit = 1024;

    /// <summary>Upper bound for --socket-threads: far beyond any core count a router pod gets, so a typo cannot start thousands of threads.</summary>
    public const int MaxSocketThreads = 256;

    /// <summary>Upper bound for --decode-only-below-tokens: past any context window, and 4 bytes a token stays within an int.</summary>
    public const int MaxDecodeOnlyBelowTokens = 100_000_000;

    /// <summary>Longest --engine-stats-interval: production-stack's Helm default (15) and its own default (30) fit.</summary>
    public static readonly TimeSpan MaxEngineStatsInterval = TimeSpan.FromSeconds(300);

    /// <summary>Longest --request-stats-window: one slot per second per pod and statistic, so it stays small.</summary>
    public const int MaxRequestStatsWindowSeconds = 3600;

    /// <summary>production-stack's --routing-logic values other than ours (parser.py, plus "priority" from older releases).</summary>
    private static readonly string[] ProductionStackOnlyRoutingLogics =
        ["roundrobin", "session", "kvaware", "prefixaware", "disaggregated_prefill", "priority"];

    private static readonly (string Name, ServiceDiscoveryMode Value)[] ServiceDiscoveryChoices =
        [("static", ServiceDiscoveryMode.Static), ("k8s", ServiceDiscoveryMode.Kubernetes)];

    private static readonly (string Name, string Value)[] RoutingLogicChoices =
        [(RoutingLogicNames.DisaggregatedPrefillOrchestrated, RoutingLogicNames.DisaggregatedPrefillOrchestrated)];

    // production-stack's --log-level choices; "trace" has no Python level of its own there, it is .NET's Trace here.
    private static readonly (string Name, LogLevel Value)[] LogLevelChoices =
    [
        ("critical", LogLevel.Critical), ("error", LogLevel.Error), ("warning", LogLevel.Warning),
        ("info", LogLevel.Information), ("debug", LogLevel.Debug), ("trace", LogLevel.Trace),
    ];

    private static readonly (string Name, RemoteHostPolicy Value)[] RemoteHostChoices =
        [("auto", RemoteHostPolicy.Auto), ("always", RemoteHostPolicy.Always), ("never", RemoteHostPolicy.Never)];

    private static readonly (string Name, MissingKvParamsPolicy Value)[] MissingKvParamsChoices =
        [("fallback", MissingKvParamsPolicy.Fallback), ("fail", MissingKvParamsPolicy.Fail)];

    private static readonly (string Name, PodSelection Value)[] PodSelectionChoices =
        [("affinity", PodSelection.Affinity), ("least-load", PodSelection.LeastLoad), ("least-in-flight", PodSelection.LeastInFlight), ("round-robin", PodSelection.RoundRobin)];

    private static readonly (string Name, bool Value)[] OnOffChoices = [("on", true), ("off", false)];

    private static readonly (string Name, DisconnectKvRelease Value)[] DisconnectKvReleaseChoices =
        [("decode", DisconnectKvRelease.Decode), ("lease", DisconnectKvRelease.Lease)];

    private static readonly (string Name, string Value)[] K8sServiceDiscoveryTypeChoices = [("pod-ip", "pod-ip")];

    private static readonly (string Name, string Value)[] RequestRewriterChoices = [("noop", "noop")];

    private static readonly (string Name, Telemetry.LogFormat Value)[] LogFormatChoices =
        [("text", Telemetry.LogFormat.Text), ("json", Telemetry.LogFormat.Json)];

    /// <param name="values">Flag name (with dashes) to its value; switches map to "true". Each flag at most once.</param>
    /// <param name="getEnvironmentVariable">Reads VLLM_API_KEY; injected so tests need not touch the process environment.</param>
    /// <param name="warnings">Receives the non-fatal findings.</param>
    public static RouterOptions Create(
        IReadOnlyDictionary<string, string> values,
        Func<string, string?> getEnvironmentVariable,
        List<string> warnings)
    {
        var defaults = new RouterOptions();
        string? Get(string flag) => values.TryGetValue(flag, out string? value) ? value : null;
        bool Has(string flag) => values.ContainsKey(flag);

        string host = Get(FlagNames.Host) ?? defaults.Host;
        if (host.Trim().Length == 0 || host.Trim() != host)
        {
            throw new CommandLineException($"argument {FlagNames.Host}: invalid host '{host}' (expected an address or host name)");
        }

        int port = Has(FlagNames.Port) ? CommandLineValues.ParseInt(FlagNames.Port, Get(FlagNames.Port)!, 0, 65535, "port") : defaults.Port;

        ServiceDiscoveryMode discovery = ParseServiceDiscovery(Get(FlagNames.ServiceDiscovery));
        string routingLogic = ParseRoutingLogic(Get(FlagNames.RoutingLogic));

        LogLevel logLevel = Has(FlagNames.LogLevel)
            ? CommandLineValues.ParseChoice(FlagNames.LogLevel, Get(FlagNames.LogLevel)!, LogLevelChoices)
            : defaults.LogLevel;
        TimeSpan logStatsInterval = Seconds(values, FlagNames.LogStatsInterval, defaults.LogStatsInterval);

        string? k8sNamespace = Get(FlagNames.K8sNamespace);
        if (k8sNamespace is not null && !IsDnsLabel(k8sNamespace))
        {
            throw new CommandLineException($"argument {FlagNames.K8sNamespace}: invalid namespace '{k8sNamespace}' (expected a DNS label: lowercase letters, digits and '-', at most 63 characters)");
        }

        int k8sPort = Has(FlagNames.K8sPort)
            ? CommandLineValues.ParseInt(FlagNames.K8sPort, Get(FlagNames.K8sPort)!, 1, 65535, "port")
            : defaults.KubernetesPort;
        string k8sLabelSelector = Get(FlagNames.K8sLabelSelector) ?? defaults.KubernetesLabelSelector;

        RemoteHostPolicy remoteHost = Has(FlagNames.KvRemoteHost)
            ? CommandLineValues.ParseChoice(FlagNames.KvRemoteHost, Get(FlagNames.KvRemoteHost)!, RemoteHostChoices)
            : defaults.KvRemoteHost;
        MissingKvParamsPolicy missingKvParams = Has(FlagNames.OnMissingKvParams)
            ? CommandLineValues.ParseChoice(FlagNames.OnMissingKvParams, Get(FlagNames.OnMissingKvParams)!, MissingKvParamsChoices)
            : defaults.OnMissingKvParams;
        long maxBody = Has(FlagNames.MaxRequestBodyBytes)
            ? CommandLineValues.ParseByteSize(FlagNames.MaxRequestBodyBytes, Get(FlagNames.MaxRequestBodyBytes)!)
            : defaults.MaxRequestBodyBytes;
        long? maxBuffered = Has(FlagNames.MaxBufferedBytes)
            ? CommandLineValues.ParseByteSize(FlagNames.MaxBufferedBytes, Get(FlagNames.MaxBufferedBytes)!)
            : defaults.MaxBufferedBytes;
        if (maxBuffered < maxBody)
        {
            // A body of the largest size could never be read: it would wait, then get 503, every time.
            throw new CommandLineException($"argument {FlagNames.MaxBufferedBytes}: {maxBuffered} is below {FlagNames.MaxRequestBodyBytes} ({maxBody}); a body of the largest size could never be buffered");
        }

        int maxJsonDepth = Has(FlagNames.MaxJsonDepth)
            ? CommandLineValues.ParseInt(FlagNames.MaxJsonDepth, Get(FlagNames.MaxJsonDepth)!, 1, MaxJsonDepthLimit, "depth")
            : defaults.MaxJsonDepth;

        // An explicit flag wins over the environment, and an explicit empty value turns auth off even when
        // VLLM_API_KEY is set (the router may share a pod spec with a vLLM container that needs the variable).
        string? apiKey = Get(FlagNames.BackendApiKey) ?? getEnvironmentVariable(FlagNames.BackendApiKeyEnvironmentVariable);
        if (string.IsNullOrEmpty(apiKey))
        {
            apiKey = null;
        }

        bool demo = Has(FlagNames.Demo);
        AcceptIgnoredFlags(values, warnings);

        IReadOnlyList<string> prefillLabels = OptionalList(values, FlagNames.PrefillModelLabels);
        IReadOnlyList<string> decodeLabels = OptionalList(values, FlagNames.DecodeModelLabels);
        IReadOnlyList<StaticBackendOptions> backends = [];
        if (discovery == ServiceDiscoveryMode.Static)
        {
            RefuseAll(values, "--service-discovery static", FlagNames.K8sNamespace, FlagNames.K8sPort, FlagNames.K8sLabelSelector);
            backends = ParseStaticBackends(values, demo, prefillLabels, decodeLabels, warnings);
        }
        else
        {
            RefuseAll(values, "--service-discovery k8s", FlagNames.StaticBackends, FlagNames.StaticModels, FlagNames.StaticModelLabels);
            if (demo)
            {
                throw new CommandLineException($"argument {FlagNames.Demo}: not allowed with {FlagNames.ServiceDiscovery} k8s (the demo runs its own simulated pods)");
            }
        }

        // Checked after the backends so a bad URL or misaligned list is reported before a missing flag. Only the
        // demo, which brings its own labelled simulators, may run without the role lists.
        CheckRoleLabels(prefillLabels, decodeLabels, required: !demo || Has(FlagNames.StaticBackends));

        return new RouterOptions
        {
            Host = host,
            Port = port,
            ServiceDiscovery = discovery,
            StaticBackends = backends,
            HasStaticModels = Has(FlagNames.StaticModels),
            RoutingLogic = routingLogic,
            PrefillModelLabels = prefillLabels,
            DecodeModelLabels = decodeLabels,
            LogLevel = logLevel,
            LogStats = Has(FlagNames.LogStats),
            LogStatsInterval = logStatsInterval,
            KvRemoteHost = remoteHost,
            OnMissingKvParams = missingKvParams,
            MaxRequestBodyBytes = maxBody,
            MaxBufferedBytes = maxBuffered,
            MaxDiscardedBodyBytes = Has(FlagNames.MaxDiscardedBodyBytes)
                ? CommandLineValues.ParseByteSizeOrZero(FlagNames.MaxDiscardedBodyBytes, Get(FlagNames.MaxDiscardedBodyBytes)!)
                : defaults.MaxDiscardedBodyBytes,
            DiscardBodyTime = Seconds(values, FlagNames.DiscardBodyTime, defaults.DiscardBodyTime),
            DiscardBodyIdleTimeout = Seconds(values, FlagNames.DiscardBodyIdleTimeout, defaults.DiscardBodyIdleTimeout),
            BackendApiKey = apiKey,
            ConnectTimeout = Seconds(values, FlagNames.ConnectTimeout, defaults.ConnectTimeout),
            PrefillTimeout = Seconds(values, FlagNames.PrefillTimeout, defaults.PrefillTimeout),
            DecodeFirstByteTimeout = Seconds(values, FlagNames.DecodeFirstByteTimeout, defaults.DecodeFirstByteTimeout),
            StreamIdleTimeout = Seconds(values, FlagNames.StreamIdleTimeout, defaults.StreamIdleTimeout),
            PooledConnectionIdleTimeout = Seconds(values, FlagNames.PooledConnectionIdleTimeout, defaults.PooledConnectionIdleTimeout),
            MaxJsonDepth = maxJsonDepth,
            Demo = demo,
            KubernetesNamespace = k8sNamespace,
            KubernetesPort = k8sPort,
            KubernetesLabelSelector = k8sLabelSelector,
            SocketThreads = Has(FlagNames.SocketThreads)
                ? CommandLineValues.ParseInt(FlagNames.SocketThreads, Get(FlagNames.SocketThreads)!, 1, MaxSocketThreads, "count")
                : defaults.SocketThreads,
            MaxRetries = Has(FlagNames.MaxRetries) ? CommandLineValues.ParseInt(FlagNames.MaxRetries, Get(FlagNames.MaxRetries)!, 0, 10, "count") : defaults.MaxRetries,
            PodSelection = Has(FlagNames.PodSelection)
                ? CommandLineValues.ParseChoice(FlagNames.PodSelection, Get(FlagNames.PodSelection)!, PodSelectionChoices)
                : defaults.PodSelection,
            LoadBound = Has(FlagNames.LoadBound) ? CommandLineValues.ParseDouble(FlagNames.LoadBound, Get(FlagNames.LoadBound)!, 0.01, 10) : defaults.LoadBound,
            SessionKey = Has(FlagNames.SessionKey) ? CommandLineValues.ParseHeaderName(FlagNames.SessionKey, Get(FlagNames.SessionKey)!) : defaults.SessionKey,
            EjectAfterFailures = Has(FlagNames.EjectAfterFailures)
                ? CommandLineValues.ParseInt(FlagNames.EjectAfterFailures, Get(FlagNames.EjectAfterFailures)!, 0, 1000, "count")
                : defaults.EjectAfterFailures,
            EjectionTime = Seconds(values, FlagNames.EjectionTime, defaults.EjectionTime),
            MaxEjectionTime = Seconds(values, FlagNames.MaxEjectionTime, defaults.MaxEjectionTime),
            ActiveHealthChecks = Has(FlagNames.ActiveHealthChecks)
                ? CommandLineValues.ParseChoice(FlagNames.ActiveHealthChecks, Get(FlagNames.ActiveHealthChecks)!, OnOffChoices)
                : defaults.ActiveHealthChecks,
            HealthCheckInterval = Seconds(values, FlagNames.HealthCheckInterval, defaults.HealthCheckInterval),
            HealthCheckTimeout = Seconds(values, FlagNames.HealthCheckTimeout, defaults.HealthCheckTimeout),
            EngineStatsInterval = EngineStatsInterval(values, defaults.EngineStatsInterval),
            RequestStatsWindowSeconds = Has(FlagNames.RequestStatsWindow)
                ? CommandLineValues.ParseInt(FlagNames.RequestStatsWindow, Get(FlagNames.RequestStatsWindow)!, 1, MaxRequestStatsWindowSeconds, "window")
                : defaults.RequestStatsWindowSeconds,
            MaxConcurrentRequests = Has(FlagNames.MaxConcurrentRequests)
                ? CommandLineValues.ParseInt(FlagNames.MaxConcurrentRequests, Get(FlagNames.MaxConcurrentRequests)!, 1, 10_000_000, "count")
                : defaults.MaxConcurrentRequests,
            FlowControl = Has(FlagNames.FlowControl)
                ? CommandLineValues.ParseChoice(FlagNames.FlowControl, Get(FlagNames.FlowControl)!, OnOffChoices)
                : defaults.FlowControl,
            QueueSize = Has(FlagNames.QueueSize)
                ? CommandLineValues.ParseInt(FlagNames.QueueSize, Get(FlagNames.QueueSize)!, 1, 1_000_000, "count")
                : defaults.QueueSize,
            QueueTimeout = Seconds(values, FlagNames.QueueTimeout, defaults.QueueTimeout),
            SaturationWaiting = Has(FlagNames.SaturationWaiting)
                ? CommandLineValues.ParseInt(FlagNames.SaturationWaiting, Get(FlagNames.SaturationWaiting)!, 1, 1_000_000, "count")
                : defaults.SaturationWaiting,
            SaturationKvCacheUsage = Has(FlagNames.SaturationKvCache)
                ? CommandLineValues.ParseDouble(FlagNames.SaturationKvCache, Get(FlagNames.SaturationKvCache)!, 0.01, 1)
                : defaults.SaturationKvCacheUsage,
            SaturationInFlight = Has(FlagNames.SaturationInFlight)
                ? CommandLineValues.ParseInt(FlagNames.SaturationInFlight, Get(FlagNames.SaturationInFlight)!, 0, 1_000_000, "count")
                : defaults.SaturationInFlight,
            SaturationPrefillInFlight = Has(FlagNames.SaturationPrefillInFlight)
                ? CommandLineValues.ParseInt(FlagNames.SaturationPrefillInFlight, Get(FlagNames.SaturationPrefillInFlight)!, 0, 1_000_000, "count")
                : defaults.SaturationPrefillInFlight,
            PriorityHeader = Has(FlagNames.PriorityHeader)
                ? CommandLineValues.ParseHeaderName(FlagNames.PriorityHeader, Get(FlagNames.PriorityHeader)!)
                : defaults.PriorityHeader,
            ClientIdHeader = Has(FlagNames.ClientIdHeader)
                ? CommandLineValues.ParseHeaderName(FlagNames.ClientIdHeader, Get(FlagNames.ClientIdHeader)!)
                : defaults.ClientIdHeader,
            ClientMaxConcurrent = Has(FlagNames.ClientMaxConcurrent)
                ? CommandLineValues.ParseInt(FlagNames.ClientMaxConcurrent, Get(FlagNames.ClientMaxConcurrent)!, 0, 10_000_000, "count")
                : defaults.ClientMaxConcurrent,
            ClientMaxRequestsPerSecond = Has(FlagNames.ClientMaxRps)
                ? CommandLineValues.ParseDouble(FlagNames.ClientMaxRps, Get(FlagNames.ClientMaxRps)!, 0, 10_000_000)
                : defaults.ClientMaxRequestsPerSecond,
            ShutdownDelay = Has(FlagNames.ShutdownDelay)
                ? CommandLineValues.ParseSecondsOrZero(FlagNames.ShutdownDelay, Get(FlagNames.ShutdownDelay)!)
                : defaults.ShutdownDelay,
            ShutdownTimeout = Seconds(values, FlagNames.ShutdownTimeout, defaults.ShutdownTimeout),
            DisconnectKvRelease = Has(FlagNames.DisconnectKvRelease)
                ? CommandLineValues.ParseChoice(FlagNames.DisconnectKvRelease, Get(FlagNames.DisconnectKvRelease)!, DisconnectKvReleaseChoices)
                : defaults.DisconnectKvRelease,
            ApiKeys = ApiKeys.Collect(Get(FlagNames.ApiKey), Get(FlagNames.ApiKeyFile), getEnvironmentVariable(FlagNames.ApiKeysEnvironmentVariable)),
            MaxRequestHeadersBytes = Has(FlagNames.MaxRequestHeadersBytes)
                ? IntSize(FlagNames.MaxRequestHeadersBytes, Get(FlagNames.MaxRequestHeadersBytes)!)
                : defaults.MaxRequestHeadersBytes,
            MaxRequestLineBytes = Has(FlagNames.MaxRequestLineBytes)
                ? IntSize(FlagNames.MaxRequestLineBytes, Get(FlagNames.MaxRequestLineBytes)!)
                : defaults.MaxRequestLineBytes,
            DecodeOnlyBelowTokens = Has(FlagNames.DecodeOnlyBelowTokens)
                ? CommandLineValues.ParseInt(FlagNames.DecodeOnlyBelowTokens, Get(FlagNames.DecodeOnlyBelowTokens)!, 0, MaxDecodeOnlyBelowTokens, "token count")
                : defaults.DecodeOnlyBelowTokens,
            DecodeOnlyWithoutPrefill = Has(FlagNames.DecodeOnlyWithoutPrefill),
            LogFormat = Has(FlagNames.LogFormat) ? CommandLineValues.ParseChoice(FlagNames.LogFormat, Get(FlagNames.LogFormat)!, LogFormatChoices) : defaults.LogFormat,
            MetricsPort = Has(FlagNames.MetricsPort) ? CommandLineValues.ParseInt(FlagNames.MetricsPort, Get(FlagNames.MetricsPort)!, 1, 65535, "port") : defaults.MetricsPort,
            OtelEndpoint = Has(FlagNames.OtelEndpoint) ? ParseOtelEndpoint(Get(FlagNames.OtelEndpoint)!, Has(FlagNames.OtelSecure), warnings) : defaults.OtelEndpoint,
            OtelServiceName = Has(FlagNames.OtelServiceName) && Get(FlagNames.OtelServiceName)!.Trim().Length > 0
                ? Get(FlagNames.OtelServiceName)!.Trim()
                : defaults.OtelServiceName,
        };
    }

    /// <summary>
    /// An absolute http(s) URL, or production-stack's <c>host:port</c> form (http, https with --otel-secure). FastRouter
    /// speaks OTLP/HTTP, so port 4317 (OTLP/gRPC by convention) gets a warning.
    /// </summary>
    private static Uri ParseOtelEndpoint(string value, bool secure, List<string> warnings)
    {
        bool hasScheme = value.Contains("://", StringComparison.Ordinal);
        string text = hasScheme ? value : (secure ? "https://" : "http://") + value;
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0)
        {
            throw new CommandLineException($"argument {FlagNames.OtelEndpoint}: invalid endpoint '{value}' (expected http://host:port, https://host:port or host:port)");
        }

        if (uri.Port == 4317)
        {
            warnings.Add($"{FlagNames.OtelEndpoint} {value}: port 4317 is OTLP/gRPC by convention; FastRouter exports OTLP/HTTP, usually port 4318");
        }

        return uri;
    }

    private static int IntSize(string flag, string value)
    {
        long size = CommandLineValues.ParseByteSize(flag, value);
        return size <= int.MaxValue ? (int)size : throw new CommandLineException($"argument {flag}: '{value}' is too large");
    }

    private static ServiceDiscoveryMode ParseServiceDiscovery(string? value)
    {
        if (value is null)
        {
            return ServiceDiscoveryMode.Static;
        }

        if (value == "external-only")
        {
            throw new CommandLineException($"argument {FlagNames.ServiceDiscovery}: 'external-only' is a production-stack mode that FastRouter does not implement (choose from {CommandLineValues.ListChoices(ServiceDiscoveryChoices)})");
        }

        return CommandLineValues.ParseChoice(FlagNames.ServiceDiscovery, value, ServiceDiscoveryChoices);
    }

    private static string ParseRoutingLogic(string? value)
    {
        if (value is null)
        {
            return RoutingLogicNames.DisaggregatedPrefillOrchestrated;
        }

        if (Array.IndexOf(ProductionStackOnlyRoutingLogics, value) >= 0)
        {
            throw new CommandLineException($"argument {FlagNames.RoutingLogic}: '{value}' is a production-stack routing logic that FastRouter does not implement; FastRouter implements only '{RoutingLogicNames.DisaggregatedPrefillOrchestrated}'");
        }

        return CommandLineValues.ParseChoice(FlagNames.RoutingLogic, value, RoutingLogicChoices);
    }

    /// <summary>
    /// The production-stack flags we accept so its Helm chart's default arguments work unchanged; each is still
    /// validated as production-stack would, and leaves a warning so nobody believes it had an effect.
    /// </summary>
    private static void AcceptIgnoredFlags(IReadOnlyDictionary<string, string> values, List<string> warnings)
    {
        if (values.TryGetValue(FlagNames.K8sServiceDiscoveryType, out string? type))
        {
            if (type == "service-name")
            {
                throw new CommandLineException($"argument {FlagNames.K8sServiceDiscoveryType}: 'service-name' is not supported: the KV side channel must reach the exact prefill pod, so FastRouter always discovers pods by IP (use 'pod-ip' or leave the flag out)");
            }

            CommandLineValues.ParseChoice(FlagNames.K8sServiceDiscoveryType, type, K8sServiceDiscoveryTypeChoices);
            warnings.Add($"fastrouter: warning: {FlagNames.K8sServiceDiscoveryType} {type} accepted and ignored: FastRouter always discovers pods by IP");
        }

        if (values.TryGetValue(FlagNames.RequestRewriter, out string? rewriter))
        {
            CommandLineValues.ParseChoice(FlagNames.RequestRewriter, rewriter, RequestRewriterChoices);
            warnings.Add($"fastrouter: warning: {FlagNames.RequestRewriter} {rewriter} accepted and ignored: FastRouter never rewrites requests");
        }
    }

    private static void CheckRoleLabels(IReadOnlyList<string> prefillLabels, IReadOnlyList<string> decodeLabels, bool required)
    {
        if (required && prefillLabels.Count == 0)
        {
            throw new CommandLineException($"the following arguments are required: {FlagNames.PrefillModelLabels} (the labels that mark prefill backends)");
        }

        if (required && decodeLabels.Count == 0)
        {
            throw new CommandLineException($"the following arguments are required: {FlagNames.DecodeModelLabels} (the labels that mark decode backends)");
        }

        foreach (string label in prefillLabels)
        {
            if (Contains(decodeLabels, label))
            {
                throw new CommandLineException($"argument {FlagNames.DecodeModelLabels}: label '{label}' is also in {FlagNames.PrefillModelLabels}; a backend is either prefill or decode");
            }
        }
    }

    private static List<StaticBackendOptions> ParseStaticBackends(
        IReadOnlyDictionary<string, string> values,
        bool demo,
        IReadOnlyList<string> prefillLabels,
        IReadOnlyList<string> decodeLabels,
        List<string> warnings)
    {
        if (!values.TryGetValue(FlagNames.StaticBackends, out string? backendsValue))
        {
            if (demo)
            {
                // The demo host creates its own simulated backends; models or labels without backends mean nothing.
                RefuseAll(values, "--demo without --static-backends", FlagNames.StaticModels, FlagNames.StaticModelLabels);
                return [];
            }

            throw new CommandLineException($"the following arguments are required: {FlagNames.StaticBackends} (with {FlagNames.ServiceDiscovery} static; or use {FlagNames.Demo})");
        }

        IReadOnlyList<string> urls = CommandLineValues.ParseList(FlagNames.StaticBackends, backendsValue);
        if (!values.TryGetValue(FlagNames.StaticModelLabels, out string? labelsValue))
        {
            throw new CommandLineException($"the following arguments are required: {FlagNames.StaticModelLabels} (with {FlagNames.StaticBackends}; one label per backend, matched against {FlagNames.PrefillModelLabels} and {FlagNames.DecodeModelLabels})");
        }

        IReadOnlyList<string> labels = AlignedList(FlagNames.StaticModelLabels, labelsValue, urls.Count);
        IReadOnlyList<string>? models = values.TryGetValue(FlagNames.StaticModels, out string? modelsValue)
            ? AlignedList(FlagNames.StaticModels, modelsValue, urls.Count)
            : null;

        var backends = new List<StaticBackendOptions>(urls.Count);
        bool anyPrefill = false;
        bool anyDecode = false;
        for (int i = 0; i < urls.Count; i++)
        {
            Uri url = CommandLineValues.ParseBackendUrl(FlagNames.StaticBackends, urls[i]);
            foreach (StaticBackendOptions earlier in backends)
            {
                if (earlier.Url == url)
                {
                    throw new CommandLineException($"argument {FlagNames.StaticBackends}: backend '{urls[i]}' is listed more than once");
                }
            }

            bool isPrefill = Contains(prefillLabels, labels[i]);
            bool isDecode = Contains(decodeLabels, labels[i]);
            anyPrefill |= isPrefill;
            anyDecode |= isDecode;
            if (!isPrefill && !isDecode)
            {
                warnings.Add($"fastrouter: warning: backend {urls[i]} has label '{labels[i]}', which is in neither {FlagNames.PrefillModelLabels} nor {FlagNames.DecodeModelLabels}; it will receive no traffic");
            }

            backends.Add(new StaticBackendOptions(url, models?[i], labels[i]));
        }

        if (!anyPrefill && prefillLabels.Count > 0)
        {
            throw new CommandLineException($"argument {FlagNames.PrefillModelLabels}: no backend in {FlagNames.StaticModelLabels} has a prefill label ({string.Join(",", prefillLabels)})");
        }

        if (!anyDecode && decodeLabels.Count > 0)
        {
            throw new CommandLineException($"argument {FlagNames.DecodeModelLabels}: no backend in {FlagNames.StaticModelLabels} has a decode label ({string.Join(",", decodeLabels)})");
        }

        return backends;
    }

    /// <summary>A list that must have one item per backend, as production-stack pairs them by position.</summary>
    private static IReadOnlyList<string> AlignedList(string flag, string value, int backendCount)
    {
        IReadOnlyList<string> items = CommandLineValues.ParseList(flag, value);
        if (items.Count != backendCount)
        {
            throw new CommandLineException($"argument {flag}: '{value}' has {items.Count} item(s) but {FlagNames.StaticBackends} has {backendCount}; they are matched by position");
        }

        return items;
    }

    private static IReadOnlyList<string> OptionalList(IReadOnlyDictionary<string, string> values, string flag) =>
        values.TryGetValue(flag, out string? value) ? CommandLineValues.ParseList(flag, value) : [];

    /// <summary>Seconds, decimals allowed (production-stack takes integers only: each of its values is accepted here too).</summary>
    private static TimeSpan EngineStatsInterval(IReadOnlyDictionary<string, string> values, TimeSpan fallback)
    {
        if (!values.TryGetValue(FlagNames.EngineStatsInterval, out string? value))
        {
            return fallback;
        }

        TimeSpan interval = CommandLineValues.ParseSeconds(FlagNames.EngineStatsInterval, value);
        if (interval > MaxEngineStatsInterval)
        {
            throw new CommandLineException(string.Create(
                CultureInfo.InvariantCulture,
                $"argument {FlagNames.EngineStatsInterval}: invalid duration '{value}' (at most {MaxEngineStatsInterval.TotalSeconds} seconds: staler engine figures are worth nothing to routing)"));
        }

        return interval;
    }

    private static TimeSpan Seconds(IReadOnlyDictionary<string, string> values, string flag, TimeSpan fallback) =>
        values.TryGetValue(flag, out string? value) ? CommandLineValues.ParseSeconds(flag, value) : fallback;

    /// <summary>Refuses flags that cannot apply in the chosen mode, instead of ignoring them as production-stack does.</summary>
    private static void RefuseAll(IReadOnlyDictionary<string, string> values, string context, params string[] flags)
    {
        foreach (string flag in flags)
        {
            if (values.ContainsKey(flag))
            {
                throw new CommandLineException($"argument {flag}: not allowed with {context}");
            }
        }
    }

    private static bool Contains(IReadOnlyList<string> list, string item)
    {
        foreach (string candidate in list)
        {
            if (string.Equals(candidate, item, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>RFC 1123 label, the rule Kubernetes applies to namespace names.</summary>
    private static bool IsDnsLabel(string value)
    {
        if (value.Length is 0 or > 63 || value[0] == '-' || value[^1] == '-')
        {
            return false;
        }

        foreach (char c in value)
        {
            if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
