using FastRouter.Configuration;
using FastRouter.Discovery;
using Microsoft.Extensions.Hosting;

namespace FastRouter.Balancing;

/// <summary>
/// Active health: every --health-check-interval, GET /health on each known pod (vLLM answers 200, or 503 when its
/// engine is dead, or refuses connections while it boots). A pod failing its probe gets no new requests until
/// it passes again.
/// </summary>
internal sealed class ActiveHealthProber : BackgroundService
{
    private readonly RouterOptions _options;
    private readonly IBackendDiscovery _discovery;
    private readonly PodHealthTracker _health;
    private readonly TimeProvider _time;

    public ActiveHealthProber(RouterOptions options, IBackendDiscovery discovery, PodHealthTracker health, TimeProvider time)
    {
        _options = options;
        _discovery = discovery;
        _health = health;
        _time = time;
    }

    /// <summary>Probes every known pod once, concurrently.</summary>
    public async Task ProbeAllAsync(CancellationToken cancellationToken)
    {
        Backend[] pods = _discovery.Current.Backends;
        var probes = new Task[pods.Length];
        for (int i = 0; i < pods.Length; i++)
        {
            probes[i] = ProbeAsync(pods[i], cancellationToken);
        }

        await Task.WhenAll(probes).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.HealthCheckInterval, _time);
        try
        {
            do
            {
                await ProbeAllAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task ProbeAsync(Backend pod, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.HealthCheckTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, pod.HealthUri);
            using HttpResponseMessage response = await pod.Invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            _health.ReportProbe(pod, status is >= 200 and < 300, "status " + status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: no verdict.
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or IOException)
        {
            _health.ReportProbe(pod, healthy: false, exception is OperationCanceledException ? "timed out" : exception.Message);
        }
    }
}
