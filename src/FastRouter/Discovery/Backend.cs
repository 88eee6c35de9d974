using System.Text;
using System.Text.Json;

namespace FastRouter.Discovery;

/// <summary>
/// One backend pod: its address, role, model, and its own pool of connections. Everything the hot path
/// needs per request (URIs, the host as JSON, the auth header) is computed once here.
/// </summary>
internal sealed class Backend : IDisposable
{
    private long _requests;
    private long _failures;
    private int _inFlight;
    private long _promptTokensSent;
    private string[]? _models;
    private Engines.EngineSnapshot? _engine;

    public Backend(Uri baseUri, BackendRole role, string? model, HttpMessageInvoker invoker)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        BaseUri = baseUri;
        Role = role;
        _models = model is null ? null : [model];
        Invoker = invoker;
        Name = baseUri.GetLeftPart(UriPartial.Authority);
        NameHash = Balancing.Rendezvous.HashName(Name);
        ChatCompletionsUri = new Uri(baseUri, "/v1/chat/completions");
        CompletionsUri = new Uri(baseUri, "/v1/completions");
        ModelsUri = new Uri(baseUri, "/v1/models");
        HealthUri = new Uri(baseUri, "/health");
        MetricsUri = new Uri(baseUri, "/metrics");
        Host = baseUri.DnsSafeHost;
        HostJson = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(Host, Protocol.RouterJsonContext.Default.String));
    }

    /// <summary>The pod's URL without path, as shown in logs: <c>http://10.0.0.5:8000</c>.</summary>
    public string Name { get; }

    /// <summary>A stable hash of <see cref="Name"/>, the pod's identity in rendezvous weights (the same in every replica).</summary>
    public ulong NameHash { get; }

    public Uri BaseUri { get; }

    public BackendRole Role { get; }

    /// <summary>
    /// The models this pod serves, when known; null means unknown, and an unknown pod serves any model (see
    /// <see cref="RoutingTable"/>). Kubernetes discovery learns them from the pod's /v1/models after the pod was
    /// first published, so this can change once (null to a list); a <see cref="RoutingTable"/> reads it only
    /// while being built, so a published snapshot never changes under a request.
    /// </summary>
    public string[]? Models => Volatile.Read(ref _models);

    /// <summary>The models for display (comma-joined); null means any. Allocates for several models: not for the hot path.</summary>
    public string? Model => Models is { } models ? (models.Length == 1 ? models[0] : string.Join(',', models)) : null;

    /// <summary>Sends requests over this pod's own connection pool.</summary>
    public HttpMessageInvoker Invoker { get; }

    public Uri ChatCompletionsUri { get; }

    public Uri CompletionsUri { get; }

    public Uri ModelsUri { get; }

    public Uri HealthUri { get; }

    /// <summary>The engine's Prometheus metrics, scraped by <see cref="Engines.EngineStatsScraper"/>.</summary>
    public Uri MetricsUri { get; }

    /// <summary>The pod's host (IPv6 without brackets), what a decode pod must reach for the KV side channel.</summary>
    public string Host { get; }

    /// <summary><see cref="Host"/> as a JSON string literal, spliced into kv_transfer_params.remote_host.</summary>
    public ReadOnlyMemory<byte> HostJson { get; }

    /// <summary>Passive and active health, kept by <see cref="Balancing.PodHealthTracker"/>.</summary>
    public Balancing.BackendHealth Health { get; } = new();

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// The pod's engine figures from its last successful <c>/metrics</c> scrape; null before the first one. Whether
    /// they are fresh enough to route on is the reader's call (<see cref="Engines.EngineSnapshot.ReceivedAt"/>).
    /// </summary>
    public Engines.EngineSnapshot? Engine
    {
        get => Volatile.Read(ref _engine);
        set => Volatile.Write(ref _engine, value);
    }

    public long Requests => Interlocked.Read(ref _requests);

    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>
    /// Counts a request against this pod's in-flight total from when it is picked until its answer is relayed
    /// (a decode pod is reserved across the prefill leg); pickers and pool draining read it.
    /// </summary>
    public void Reserve() => Interlocked.Increment(ref _inFlight);

    public void Release() => Interlocked.Decrement(ref _inFlight);

    /// <summary>
    /// Prompt tokens this router sent the pod, summed over every prefill (estimated: about 4 bytes a token). Only grows; the
    /// affinity bound reads what was added since the engine's last scrape (<see cref="Engines.EngineSnapshot.RouterPromptTokensAtScrape"/>).
    /// </summary>
    public long PromptTokensSent => Interlocked.Read(ref _promptTokensSent);

    public void CountPromptTokensSent(long tokens) => Interlocked.Add(ref _promptTokensSent, tokens);

    /// <summary><see cref="PromptTokensSent"/> per second, smoothed, sampled by the engine-stats scraper every interval.</summary>
    public Engines.OwnPromptRate OwnPromptRate { get; } = new();

    /// <summary>Counts one call made to the pod, and whether it failed through the pod's fault.</summary>
    public void RecordCall(bool failed)
    {
        Interlocked.Increment(ref _requests);
        if (failed)
        {
            Interlocked.Increment(ref _failures);
        }
    }

    /// <summary>Records what the pod serves; the discoverer publishes a new <see cref="RoutingTable"/> afterwards.</summary>
    public void SetModels(string[] models)
    {
        ArgumentNullException.ThrowIfNull(models);
        Volatile.Write(ref _models, models);
    }

    public void Dispose() => Invoker.Dispose();
}
