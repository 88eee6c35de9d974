using FastRouter.LoadTests.Cli;
using FastRouter.LoadTests.Http;
using FastRouter.LoadTests.Metrics;
using FastRouter.LoadTests.Reporting;
using HdrHistogram;

namespace FastRouter.LoadTests.Probing;

/// <summary>
/// Probe mode (<c>--probe PATH</c>): GETs one path as kubelet's HTTP probe does, on a new connection each time,
/// once per interval with a timeout, and records how long each answer took. Run beside a load (wrk, or a second
/// generator) it shows whether a health endpoint still answers within the probe's timeout while the router is
/// saturated. Sequential like kubelet: a slow probe delays the next one; missed slots are skipped, not queued.
/// </summary>
internal static class HealthProber
{
    /// <summary>Kubelet counts 200-399 as a success.</summary>
    private static bool Succeeded(int status) => status is >= 200 and < 400;

    public static async Task<ProbeSummary> RunAsync(LoadTestOptions options, string commandLine, CancellationToken stopToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var url = new Uri(options.Target!, options.ProbePath!.TrimStart('/'));
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.Zero,
            ConnectTimeout = options.ProbeTimeout,
        };
        using var invoker = new HttpMessageInvoker(handler);
        LongHistogram latency = LatencyHistograms.Create();
        long succeeded = 0, failedStatus = 0, timeouts = 0, connectionErrors = 0;
        DateTimeOffset startedUtc = DateTimeOffset.UtcNow;

        try
        {
            // One unrecorded probe first: the first request of a process pays for JIT and the handler's set-up,
            // which is the prober's cost, not the server's.
            await ProbeOnceAsync(invoker, url, options.ProbeTimeout).ConfigureAwait(false);
            await Task.Delay(options.Warmup, stopToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return Summary(options, url, commandLine, startedUtc, latency, 0, 0, 0, 0);
        }

        long interval = MonotonicTime.FromSeconds(options.ProbeInterval.TotalSeconds);
        long end = MonotonicTime.Now + MonotonicTime.FromSeconds(options.Duration.TotalSeconds);
        long next = MonotonicTime.Now;
        while (MonotonicTime.Now < end && !stopToken.IsCancellationRequested)
        {
            long start = MonotonicTime.Now;
            int status = await ProbeOnceAsync(invoker, url, options.ProbeTimeout).ConfigureAwait(false);
            latency.RecordValue(LatencyHistograms.Clamp(MonotonicTime.ToMicroseconds(MonotonicTime.Now - start)));
            switch (status)
            {
                case ProbeTimedOut: timeouts++; break;
                case ProbeConnectionError: connectionErrors++; break;
                case int s when Succeeded(s): succeeded++; break;
                default: failedStatus++; break;
            }

            next += interval;
            long now = MonotonicTime.Now;
            if (next < now)
            {
                next = now;
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(MonotonicTime.ToSeconds(next - now)), stopToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return Summary(options, url, commandLine, startedUtc, latency, succeeded, failedStatus, timeouts, connectionErrors);
    }

    private const int ProbeTimedOut = 0;
    private const int ProbeConnectionError = -1;

    /// <summary>One probe: the status, <see cref="ProbeTimedOut"/>, or <see cref="ProbeConnectionError"/>.</summary>
    private static async Task<int> ProbeOnceAsync(HttpMessageInvoker invoker, Uri url, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.ConnectionClose = true;
        request.Headers.UserAgent.ParseAdd("kube-probe/1.31");
        try
        {
            using HttpResponseMessage response = await invoker.SendAsync(request, cancellation.Token).ConfigureAwait(false);
            // Kubelet reads the body too (up to 10 KB): the answer counts once it is all there.
            await response.Content.ReadAsByteArrayAsync(cancellation.Token).ConfigureAwait(false);
            return (int)response.StatusCode;
        }
        catch (OperationCanceledException)
        {
            return ProbeTimedOut;
        }
        catch (HttpRequestException)
        {
            return ProbeConnectionError;
        }
    }

    private static ProbeSummary Summary(LoadTestOptions options, Uri url, string commandLine, DateTimeOffset startedUtc, LongHistogram latency, long succeeded, long failedStatus, long timeouts, long connectionErrors) => new(
        options.Name,
        startedUtc,
        url.ToString(),
        options.ProbeInterval.TotalMilliseconds,
        options.ProbeTimeout.TotalMilliseconds,
        latency.TotalCount,
        succeeded,
        failedStatus,
        timeouts,
        connectionErrors,
        SummaryBuilder.Summarize("probe latency", latency),
        MachineSummary.Current(),
        commandLine);
}
