using System.Text;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Hosting;
using FastRouter.Simulation;
using FastRouter.Telemetry;
using FastRouter.Tests.Harness;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FastRouter.Tests.Telemetry;

/// <summary>The real router in front of simulator pods, like RouterTestHarness, with its services reachable.</summary>
internal sealed class TelemetryTestHost : IAsyncDisposable
{
    public const string Model = "llama31-8b";

    private readonly WebApplication _app;
    private readonly VllmSimulator[] _pods;

    private TelemetryTestHost(WebApplication app, VllmSimulator[] pods, CapturingLoggerProvider logs)
    {
        _app = app;
        _pods = pods;
        Logs = logs;
        Address = RouterHost.GetListenAddress(app);
        Client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public CapturingLoggerProvider Logs { get; }

    public IServiceProvider Services => _app.Services;

    public RouterMetrics Metrics => _app.Services.GetRequiredService<RouterMetrics>();

    public Backend[] Backends => _app.Services.GetRequiredService<IBackendDiscovery>().Current.Backends;

    public Backend Prefill => Backends.First(b => b.Role == BackendRole.Prefill);

    public Backend Decode => Backends.First(b => b.Role == BackendRole.Decode);

    public IEnumerable<VllmSimulator> Pods => _pods;

    public static async Task<TelemetryTestHost> StartAsync(
        Func<RouterOptions, RouterOptions>? configure = null,
        int decodePods = 1,
        Action<ILoggingBuilder>? logging = null,
        SimulatorOptions? decodeOptions = null)
    {
        var pods = new List<VllmSimulator> { await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill }) };
        for (int i = 0; i < decodePods; i++)
        {
            pods.Add(await VllmSimulator.StartAsync(decodeOptions ?? new SimulatorOptions { Role = SimulatorRole.Decode }));
        }

        var backends = pods.Select((p, i) => new StaticBackendOptions(p.BaseAddress, Model, i == 0 ? "prefill" : "decode")).ToList();
        RouterOptions options = TestRouterOptions.For(backends);
        options = configure?.Invoke(options) ?? options;
        var logs = new CapturingLoggerProvider();
        WebApplication app = RouterHost.Build(options, new StaticDiscovery(options), builder =>
        {
            builder.AddProvider(logs);
            logging?.Invoke(builder);
        });
        await app.StartAsync();
        return new TelemetryTestHost(app, [.. pods], logs);
    }

    public async Task<string> CompleteAsync(bool stream, string? traceParent = null, string prompt = "hello there")
    {
        string body = "{\"model\":\"" + Model + "\",\"prompt\":\"" + prompt + "\",\"max_tokens\":4,\"stream\":" + (stream ? "true" : "false") + "}";
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

    public async Task<string> ScrapeAsync(Uri? address = null)
    {
        using HttpResponseMessage response = await Client.GetAsync(address is null ? new Uri("/metrics", UriKind.Relative) : new Uri(address, "/metrics"));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        return await response.Content.ReadAsStringAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        foreach (VllmSimulator pod in _pods)
        {
            await pod.DisposeAsync();
        }
    }
}
