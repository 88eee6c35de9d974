namespace FastRouter.Discovery;

/// <summary>A source of pods: publishes <see cref="RoutingTable"/> snapshots the hot path reads lock-free.</summary>
internal interface IBackendDiscovery : IAsyncDisposable
{
    /// <summary>The newest snapshot. Reading it is a volatile field read.</summary>
    RoutingTable Current { get; }

    /// <summary>Starts watching (a no-op for static lists).</summary>
    Task StartAsync(CancellationToken cancellationToken);
}
