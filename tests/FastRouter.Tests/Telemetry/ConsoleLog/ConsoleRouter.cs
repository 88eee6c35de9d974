using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Hosting;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using Microsoft.AspNetCore.Builder;

namespace FastRouter.Tests.Telemetry.ConsoleLog;

/// <summary>The router with its own console logging (as the process runs it) writing to a <see cref="ConsoleSinkStream"/>, in front of simulator pods.</summary>
internal sealed class ConsoleRouter : IAsyncDisposable
{
    public const string Model = "llama31-8b";

    private readonly WebApplication _app;
    private readonly VllmSimulator _prefill;
    private readonly VllmSimulator _decode;
    private bool _stopped;

    private ConsoleRouter(WebApplication app, VllmSimulator prefill, VllmSimulator decode, ConsoleSinkStream console)
    {
        _app = app;
        _prefill = prefill;
        _decode = decode;
        Console = console;
        Client = new HttpClient { BaseAddress = RouterHost.GetListenAddress(app), Timeout = TimeSpan.FromSeconds(30) };
    }

    public ConsoleSinkStream Console { get; }

    public HttpClient Client { get; }

    public string PrefillAuthority => _prefill.BaseAddress.GetLeftPart(UriPartial.Authority);

    public string DecodeAuthority => _decode.BaseAddress.GetLeftPart(UriPartial.Authority);

    public static async Task<ConsoleRouter> StartAsync(Func<RouterOptions, RouterOptions>? configure = null, ConsoleSinkStream? console = null)
    {
        VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill });
        VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        RouterOptions options = TestRouterOptions.For(
        [
            new StaticBackendOptions(prefill.BaseAddress, Model, "prefill"),
            new StaticBackendOptions(decode.BaseAddress, Model, "decode"),
        ]);
        options = configure?.Invoke(options) ?? options;
        console ??= new ConsoleSinkStream();
        WebApplication app = RouterHost.Build(options, new StaticDiscovery(options), configureLogging: null, logOutput: console);
        await app.StartAsync();
        return new ConsoleRouter(app, prefill, decode, console);
    }

    public async Task<HttpResponseMessage> CompleteAsync(string requestId, bool stream = false)
    {
        string body = "{\"model\":\"" + Model + "\",\"prompt\":\"hello\",\"max_tokens\":2,\"stream\":" + (stream ? "true" : "false") + "}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("X-Request-Id", requestId);
        HttpResponseMessage response = await Client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>Stops and disposes the router, which writes out every buffered line.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Console.Resume();
        await StopAsync();
        await _prefill.DisposeAsync();
        await _decode.DisposeAsync();
    }
}
