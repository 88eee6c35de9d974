namespace FastRouter.Discovery;

/// <summary>A source of pods: publishes <see cref="RoutingTable"/> snapshots the hot path reads lock-free.</summary>
internal interface IBackendDiscovery : IAsyncDisposable
{
    /// <summary>The newest snapshot. Reading it is a volatile field read.</summary>
    RoutingTable Current { get; }

    /// <summary>
    /// True once <see cref="Current"/> reflects the source of truth at least once (static lists: always; Kubernetes:
    /// after the first successful pod list). It never goes back to false: later API errors keep the last known pods.
    /// Until it is true an empty table means "not known yet", not "no pods", so /health should answer 503.
    /// </summary>
    bool IsSynchronized { get; }

    /// <summary>Starts watching (a no-op for static lists).</summary>
    Task StartAsync(CancellationToken cancellationToken);
}
