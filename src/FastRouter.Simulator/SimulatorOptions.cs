namespace FastRouter.Simulation;

/// <summary>How one simulated vLLM pod behaves. Defaults give an instant, loopback-only pod on ephemeral ports.</summary>
internal sealed class SimulatorOptions
{
    public SimulatorRole Role { get; init; } = SimulatorRole.Prefill;

    /// <summary>Address to bind: an IP literal, <c>localhost</c>, <c>*</c>, or a name resolved once at start.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The OpenAI API port; 0 binds an ephemeral port (read it back from <see cref="VllmSimulator.Port"/>).</summary>
    public int Port { get; init; }

    /// <summary>The one served model name; requests naming another get vLLM's 404.</summary>
    public string Model { get; init; } = "llama31-8b";

    /// <summary>Fixed part of the time to compute a prompt (prefill, or decode recomputing without KV).</summary>
    public TimeSpan PrefillBaseLatency { get; init; } = TimeSpan.Zero;

    /// <summary>Prompt throughput; 0 means prompts cost no time per token.</summary>
    public double PrefillTokensPerSecond { get; init; }

    /// <summary>Delay between two generated tokens.</summary>
    public TimeSpan InterTokenLatency { get; init; } = TimeSpan.Zero;

    public KvParamsShape KvShape { get; init; } = KvParamsShape.Current;

    /// <summary>
    /// The <c>remote_host</c> prefill advertises. "localhost" by default, deliberately: that is what a real engine
    /// says when VLLM_NIXL_SIDE_CHANNEL_HOST is unset, and a router must cope with it.
    /// </summary>
    public string AdvertisedSideChannelHost { get; init; } = "localhost";

    /// <summary>The prefill side channel's port (bound on <see cref="Host"/>); 0 = ephemeral.</summary>
    public int SideChannelPort { get; init; }

    /// <summary>How long prefill holds KV blocks nobody pulls before freeing them (counted as expired).</summary>
    public TimeSpan KvLeaseDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Tokens to generate when the request names no <c>max_tokens</c>.</summary>
    public int DefaultMaxTokens { get; init; } = 16;

    /// <summary>Advertised in <c>/v1/models</c> and enforced on prompt + max_tokens, like vLLM.</summary>
    public int MaxModelLen { get; init; } = 8192;

    /// <summary>When set, <c>/v1/*</c> requires <c>Authorization: Bearer &lt;key&gt;</c> (vLLM's --api-key).</summary>
    public string? ApiKey { get; init; }

    /// <summary>How many received requests <see cref="VllmSimulator.ReceivedRequests"/> keeps; 0 records none.</summary>
    public int RecordedRequestLimit { get; init; } = 1000;

    /// <summary>Clock for latencies, lease expiry and <c>created</c> stamps; tests inject a manual one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Tokens per KV block (vLLM's default block size).</summary>
    public int KvBlockSize { get; init; } = 16;

    /// <summary>The KV cache size in blocks, the denominator of <c>vllm:kv_cache_usage_perc</c>.</summary>
    public int TotalKvBlocks { get; init; } = 65536;

    /// <summary>
    /// How long decode waits (as if queued) before it pulls the KV blocks. Gives tests a window in which a
    /// decode request holds parameters but has not pulled yet, to check the release on abort.
    /// </summary>
    public TimeSpan KvPullDelay { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// How long an idle client connection stays open. 5 s, as uvicorn (under vLLM) closes them: a router whose
    /// pooled connections outlive that meets the same "connection closed" failures it would in production.
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Connect timeout for decode's pull from the prefill side channel.</summary>
    public TimeSpan KvPullConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The engine model's prefix cache size in blocks; 0 (the default) turns the engine model off: fixed latencies,
    /// no queueing, no prefix cache, exactly the behaviour of the simulator before the model existed.
    /// </summary>
    public int CacheBlocks { get; init; }

    /// <summary>Tokens per prefix-cache block in the engine model (vLLM's default block size).</summary>
    public int BlockTokens { get; init; } = 16;

    /// <summary>The engine model's token budget for one prefill batch (uncached tokens).</summary>
    public int MaxBatchTokens { get; init; } = 8192;

    /// <summary>Engine model: added to <see cref="InterTokenLatency"/> for every other stream decoding at the same time.</summary>
    public TimeSpan InterTokenLatencyPerStream { get; init; } = TimeSpan.Zero;

    /// <summary>Engine model: how fast decode pulls the KV it lacks from prefill; 0 means the pull costs no time.</summary>
    public double KvPullTokensPerSecond { get; init; }

    /// <summary>When set, <c>/metrics</c> never answers while everything else keeps serving (a scrape-fault for routers).</summary>
    public bool MetricsHang { get; init; }
}
