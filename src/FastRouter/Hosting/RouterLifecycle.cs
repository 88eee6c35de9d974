namespace FastRouter.Hosting;

/// <summary>Whether the router is shutting down; /health and /readyz read it. Set once by <see cref="GracefulShutdown"/>.</summary>
internal sealed class RouterLifecycle
{
    private volatile bool _draining;

    /// <summary>True from the moment SIGTERM arrived: /health and /readyz answer 503 so load balancers stop sending.</summary>
    public bool IsDraining => _draining;

    public void BeginDraining() => _draining = true;
}
