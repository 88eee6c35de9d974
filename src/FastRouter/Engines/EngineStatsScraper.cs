using System.Buffers;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Telemetry;
using Microsoft.Extensions.Hosting;

namespace FastRouter.Engines;

/// <summary>
/// production-stack's engine-stats scraper: every --engine-stats-interval, GET /metrics on each known pod,
/// concurrently, over the pod's own connection pool, and publish what its engines say on
/// <see cref="Backend.Engine"/>. Its cost is one small GET per pod per interval, whatever the request rate.
/// A scrape that fails, times out, is too long or is not Prometheus text leaves the previous snapshot in place:
/// its <see cref="EngineSnapshot.ReceivedAt"/> ages, and that age is what readers call staleness. Nothing a pod
/// answers can throw out of the loop or hold it past the timeout.
/// </summary>
internal sealed class EngineStatsScraper : BackgroundService
{
    private readonly RouterOptions _options;
    private readonly IBackendDiscovery _discovery;
    private readonly RouterMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly string? _authorization;

    public EngineStatsScraper(RouterOptions options, IBackendDiscovery discovery, RouterMetrics metrics, TimeProvider time)
    {
        _options = options;
        _discovery = discovery;
        _metrics = metrics;
        _time = time;
        _authorization = string.IsNullOrEmpty(options.BackendApiKey) ? null : "Bearer " + options.BackendApiKey;
    }

    /// <summary>Scrapes every known pod once, concurrently; returns when all scrapes ended (at most the timeout).</summary>
    public async Task ScrapeAllAsync(CancellationToken cancellationToken)
    {
        Backend[] pods = _discovery.Current.Backends;
        var scrapes = new Task[pods.Length];
        long now = _time.GetTimestamp();
        TimeSpan smoothing = EngineSnapshot.WorkSmoothing(_options.EngineStatsInterval);
        for (int i = 0; i < pods.Length; i++)
        {
            // Sampled whatever the scrape's outcome: the work figure of a pod whose /metrics fails.
            pods[i].OwnPromptRate.Sample(pods[i].PromptTokensSent, now, _time.TimestampFrequency, smoothing);
            scrapes[i] = ScrapeAsync(pods[i], cancellationToken);
        }

        await Task.WhenAll(scrapes).ConfigureAwait(false);
    }

    /// <summary>Scrapes one pod and publishes its snapshot when the answer is good; never throws but on shutdown.</summary>
    public async Task<EngineScrapeResult> ScrapeAsync(Backend pod, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        EngineScrapeResult result;
        try
        {
            result = await FetchAndPublishAsync(pod, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            result = EngineScrapeResult.Timeout;
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or InvalidOperationException)
        {
            result = EngineScrapeResult.Failed;
        }

        _metrics.EngineScraped(result);
        return result;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.EngineStatsInterval, _time);
        try
        {
            do
            {
                await ScrapeAllAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task<EngineScrapeResult> FetchAndPublishAsync(Backend pod, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.EngineStatsTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, pod.MetricsUri);
        if (_authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", _authorization);
        }

        using HttpResponseMessage response = await pod.Invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return EngineScrapeResult.Failed;
        }

        int limit = _options.EngineStatsMaxBytes;
        if (response.Content.Headers.ContentLength > limit)
        {
            return EngineScrapeResult.TooLarge;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int length = 0;
            Stream body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        // Room for one byte past the limit, so an answer of exactly the limit still ends cleanly.
                        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limit + 1));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    int read = await body.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, limit + 1) - length), timeout.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    length += read;
                    if (length > limit)
                    {
                        return EngineScrapeResult.TooLarge;
                    }
                }
            }

            EngineFigures? figures = PrometheusTextParser.Parse(buffer.AsSpan(0, length));
            if (figures is null)
            {
                return EngineScrapeResult.Malformed;
            }

            pod.Engine = EngineSnapshotFactory.From(figures, pod.Engine, _time.GetTimestamp(), pod.InFlight, pod.PromptTokensSent,
                _time.TimestampFrequency, EngineSnapshot.WorkSmoothing(_options.EngineStatsInterval));
            return EngineScrapeResult.Ok;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
