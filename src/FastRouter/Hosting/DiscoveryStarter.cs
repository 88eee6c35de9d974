using FastRouter.Discovery;
using Microsoft.Extensions.Hosting;

namespace FastRouter.Hosting;

/// <summary>Starts the pod discovery with the host, and disposes it (and the pods' connection pools) at shutdown.</summary>
internal sealed class DiscoveryStarter : IHostedService
{
    private readonly IBackendDiscovery _discovery;

    public DiscoveryStarter(IBackendDiscovery discovery) => _discovery = discovery;

    public Task StartAsync(CancellationToken cancellationToken) => _discovery.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => _discovery.DisposeAsync().AsTask();
}
