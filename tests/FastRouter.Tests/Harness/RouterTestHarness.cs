using System.Text;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Hosting;
using FastRouter.Simulation;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FastRouter.Tests.Harness;

/// <summary>
/// The real router on a loopback port in front of real simulator pods, each on its own port: the
/// integration tests' whole world. Everything is torn down on dispose.
/// </summary>
internal sealed class RouterTestHarness : IAsyncDisposable
{
    public const string Model = "llama31-8b";

    private readonly WebApplication _app;
    private readonly Task _running;

    private RouterTestHarness(WebApplication app, Uri address, VllmSimulator[] prefill, VllmSimulator[] decode, CapturingLoggerProvider logs, RouterOptions options)
    {
        _app = app;

        // As the program runs it: a stop requested through the application lifetime (SIGTERM's path) stops the host.
        _running = app.WaitForShutdownAsync();
        Address = address;
        Prefill = prefill;
        Decode = decode;
        Logs = logs;
        Options = options;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    /// <summary>The host's services, for tests that drive a component (the prober, the shutdown) directly.</summary>
    public IServiceProvider Services => _app.Services;

    public HttpClient Client { get; }

    public VllmSimulator[] Prefill { get; }

    public VllmSimulator[] Decode { get; }

    public CapturingLoggerProvider Logs { get; }

    public RouterOptions Options { get; }

    /// <summary>All requests the pods received, both roles.</summary>
    public int BackendRequestCount => Prefill.Sum(p => p.ReceivedRequests.Count) + Decode.Sum(d => d.ReceivedRequests.Count);

    public static Task<RouterTestHarness> StartAsync(
        Func<RouterOptions, RouterOptions>? configureRouter = null,
        SimulatorOptions? prefill = null,
        SimulatorOptions? decode = null,
        LogLevel logLevel = LogLevel.Information,
        Action<ILoggingBuilder>? logging = null) =>
        StartAsync([prefill ?? new SimulatorOptions { Role = SimulatorRole.Prefill }], [decode ?? new SimulatorOptions { Role = SimulatorRole.Decode }], configureRouter, logLevel, logging: logging);

    public static async Task<RouterTestHarness> StartAsync(
        SimulatorOptions[] prefill,
        SimulatorOptions[] decode,
        Func<RouterOptions, RouterOptions>? configureRouter = null,
        LogLevel logLevel = LogLevel.Information,
        TimeProvider? time = null,
        Action<ILoggingBuilder>? logging = null)
    {
        var prefillPods = new VllmSimulator[prefill.Length];
        var decodePods = new VllmSimulator[decode.Length];
        var backends = new List<StaticBackendOptions>();
        for (int i = 0; i < prefill.Length; i++)
        {
            prefillPods[i] = await VllmSimulator.StartAsync(prefill[i]);
            backends.Add(new StaticBackendOptions(prefillPods[i].BaseAddress, prefill[i].Model, "prefill"));
        }

        for (int i = 0; i < decode.Length; i++)
        {
            decodePods[i] = await VllmSimulator.StartAsync(decode[i]);
            backends.Add(new StaticBackendOptions(decodePods[i].BaseAddress, decode[i].Model, "decode"));
        }

        RouterOptions options = TestRouterOptions.For(backends) with { LogLevel = logLevel };
        options = configureRouter?.Invoke(options) ?? options;
        var logs = new CapturingLoggerProvider();
        WebApplication app = RouterHost.Build(
            options,
            new StaticDiscovery(options),
            builder =>
            {
                builder.AddProvider(logs);
                logging?.Invoke(builder);
            },
            time);
        await app.StartAsync();
        return new RouterTestHarness(app, RouterHost.GetListenAddress(app), prefillPods, decodePods, logs, options);
    }

    /// <summary>The router's name for a pod: the <c>pod</c> and <c>server</c> label of its metrics, its <c>/engines</c> URL.</summary>
    public static string PodName(VllmSimulator pod) => pod.BaseAddress.GetLeftPart(UriPartial.Authority);

    /// <summary>One <c>/v1/completions</c> request of <paramref name="maxTokens"/> tokens, read whole; fails unless answered 2xx.</summary>
    public async Task<string> CompleteAsync(bool stream, string? traceParent = null, string prompt = "hello there", string model = Model, int maxTokens = 4)
    {
        string body = "{\"model\":\"" + model + "\",\"prompt\":\"" + prompt + "\",\"max_tokens\":" + maxTokens.ToString(System.Globalization.CultureInfo.InvariantCulture)
            + ",\"stream\":" + (stream ? "true" : "false") + "}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (traceParent is not null)
        {
            request.Headers.TryAddWithoutValidation("traceparent", traceParent);
        }

        using HttpResponseMessage response = await Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return text;
    }

    /// <summary>The Prometheus text of <c>GET /metrics</c>, on the main port or on <paramref name="address"/> (a metrics port).</summary>
    public async Task<string> ScrapeAsync(Uri? address = null)
    {
        using HttpResponseMessage response = await Client.GetAsync(address is null ? new Uri("/metrics", UriKind.Relative) : new Uri(address, "/metrics"));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        return await response.Content.ReadAsStringAsync();
    }

    public Task<HttpResponseMessage> PostAsync(string path, string body, string? requestId = null) =>
        PostAsync(path, Encoding.UTF8.GetBytes(body), requestId);

    public Task<HttpResponseMessage> PostAsync(string path, byte[] body, string? requestId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        if (requestId is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Request-Id", requestId);
        }

        return Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _running;
        await _app.DisposeAsync();
        foreach (VllmSimulator pod in Prefill.Concat(Decode))
        {
            await pod.DisposeAsync();
        }
    }
}
