using FastRouter.Configuration;

namespace FastRouter.Discovery.Kubernetes;

/// <summary>
/// How Kubernetes discovery behaves beyond the command line: timings and where credentials are. Production uses
/// the defaults; tests shorten the delays and point the environment at temp files.
/// </summary>
internal sealed record KubernetesDiscoverySettings
{
    public KubernetesEnvironment Environment { get; init; } = KubernetesEnvironment.FromProcess();

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Jitter source for the backoffs; injected so tests can make it deterministic.</summary>
    public Random Random { get; init; } = Random.Shared;

    /// <summary>First retry delay after an API server error; doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Asked of the API server on each watch; it ends the watch then and we resume from the last resourceVersion.</summary>
    public int WatchTimeoutSeconds { get; init; } = 300;

    /// <summary>A list (or a watch's response headers) that takes longer than this counts as a failure.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A watch that ends sooner than this with no event is treated as a soft failure (backed off), so a proxy that closes at once cannot make us spin.</summary>
    public TimeSpan MinimumWatchDuration { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>First delay between /v1/models attempts on a pod that does not answer yet; doubles up to <see cref="ModelProbeMaxBackoff"/>.</summary>
    public TimeSpan ModelProbeInitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan ModelProbeMaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>One /v1/models attempt.</summary>
    public TimeSpan ModelProbeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often removed pods are checked for having drained.</summary>
    public TimeSpan DrainPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A removed pod's pool is disposed only after this long, even at 0 in flight: a request picks its decode pod
    /// before its prefill leg and only counts it in flight after that leg, so the grace must cover a prefill.
    /// Null: the router's --prefill timeout plus 10 s.
    /// </summary>
    public TimeSpan? RetireGrace { get; init; }

    public TimeSpan EffectiveRetireGrace(RouterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return RetireGrace ?? options.PrefillTimeout + TimeSpan.FromSeconds(10);
    }
}
