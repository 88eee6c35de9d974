using Microsoft.Extensions.Hosting;

namespace FastRouter.Telemetry;

/// <summary>
/// Looks at the routing table once a second so <c>/engines</c> knows when each pod appeared (production-stack's
/// <c>created</c>) to within a second, and retired pods' stats are dropped once idle.
/// </summary>
internal sealed class PodObserver : BackgroundService
{
    private readonly RouterMetrics _metrics;

    public PodObserver(RouterMetrics metrics)
    {
        _metrics = metrics;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), _metrics.Time);
        try
        {
            do
            {
                _metrics.Pods.Observe(_metrics.Discovery.Current);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }
}
