using System.Net.Http.Headers;
using System.Text;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace FastRouter.Tests.Harness;

/// <summary>
/// The router in process in front of one prefill and one decode pod given by address (simulators or scripted pods),
/// with its log lines captured. Every timeout that could end a request is a minute, so a wrong turn shows as a hang,
/// not as a pass or as a timeout that looks like the behaviour under test.
/// </summary>
internal sealed class PodPairRouter : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _client;

    private PodPairRouter(WebApplication app, CapturingLoggerProvider logs)
    {
        _app = app;
        Logs = logs;
        _client = new HttpClient { BaseAddress = RouterHost.GetListenAddress(app), Timeout = TimeSpan.FromMinutes(2) };
    }

    public CapturingLoggerProvider Logs { get; }

    /// <param name="configure">Changes to the options, after the minute-long timeouts (a test of a timeout itself).</param>
    public static async Task<PodPairRouter> StartAsync(Uri prefill, Uri decode, Func<RouterOptions, RouterOptions>? configure = null)
    {
        RouterOptions options = TestRouterOptions.For(
            [new StaticBackendOptions(prefill, "llama31-8b", "prefill"), new StaticBackendOptions(decode, "llama31-8b", "decode")]) with
        {
            PrefillTimeout = TimeSpan.FromMinutes(1),
            StreamIdleTimeout = TimeSpan.FromMinutes(1),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        };
        options = configure?.Invoke(options) ?? options;
        var logs = new CapturingLoggerProvider();
        WebApplication app = RouterHost.Build(options, new StaticDiscovery(options), logging => logging.AddProvider(logs));
        await app.StartAsync();
        return new PodPairRouter(app, logs);
    }

    /// <summary>POSTs <paramref name="body"/> to <c>/v1/chat/completions</c>.</summary>
    public Task<HttpResponseMessage> PostChatAsync(string body, HttpCompletionOption completion, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return _client.SendAsync(request, completion, cancellationToken);
    }

    /// <summary>
    /// POSTs <paramref name="body"/> and leaves, as a client closing its tab, once <paramref name="moment"/> has come
    /// (a pod saw the request): the send must end cancelled, not answered.
    /// </summary>
    public async Task PostChatAndLeaveAsync(string body, Task moment, TimeSpan limit)
    {
        using var leaving = new CancellationTokenSource();
        Task<HttpResponseMessage> send = PostChatAsync(body, HttpCompletionOption.ResponseContentRead, leaving.Token);
        await moment.WaitAsync(limit);
        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
    }

    /// <summary>The router's <c>/metrics</c> text.</summary>
    public Task<string> ScrapeMetricsAsync() => _client.GetStringAsync("/metrics");

    /// <summary>
    /// The metrics once <paramref name="counted"/> holds, or the last scrape after <paramref name="limit"/>: a request is
    /// counted when the router is done with it, a moment after its client saw the end.
    /// </summary>
    public Task<Telemetry.PrometheusText> ScrapeMetricsOnceAsync(Func<Telemetry.PrometheusText, bool> counted, TimeSpan limit) =>
        Support.Eventually.ValueAsync(async () => Telemetry.PrometheusText.Parse(await ScrapeMetricsAsync()), counted, limit);

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
