using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using FastRouter.Hosting;
using FastRouter.Proxying;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace FastRouter.Tests.Resilience;

public sealed class LoadSheddingAndShutdownTests
{
    private static readonly string SlowStream = RequestBodies.Completion(15, stream: true);

    [Fact]
    public async Task BeyondMaxConcurrentRequests_TheRouterAnswers429AtOnce()
    {
        await using RouterTestHarness harness = await Fleet.StartAsync(
            new ManualTimeProvider(), o => o with { MaxConcurrentRequests = 2 }, decodeInterTokenLatency: TimeSpan.FromMilliseconds(100));

        using HttpResponseMessage first = await harness.PostAsync("/v1/completions", SlowStream);
        using HttpResponseMessage second = await harness.PostAsync("/v1/completions", SlowStream);
        using HttpResponseMessage third = await harness.PostAsync("/v1/completions", Fleet.StreamBody);

        var error = await OpenAiErrorAssert.IsErrorAsync(third, 429, "RateLimitError");
        Assert.Equal("1", third.Headers.GetValues("Retry-After").Single());
        Assert.Contains("limit", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("[DONE]", SseReader.Parse(await first.Content.ReadAsStringAsync())[^1]);
        Assert.Equal("[DONE]", SseReader.Parse(await second.Content.ReadAsStringAsync())[^1]);

        // Room again once they finished.
        using HttpResponseMessage fourth = await harness.PostAsync("/v1/completions", Fleet.StreamBody);
        Assert.Equal(200, (int)fourth.StatusCode);
    }

    [Fact]
    public async Task EveryWayARequestEnds_GivesItsSlotBack()
    {
        await using RouterTestHarness harness = await Fleet.StartAsync(
            new ManualTimeProvider(), o => o with { MaxConcurrentRequests = 2 }, decodeInterTokenLatency: TimeSpan.FromMilliseconds(100));
        ConcurrencyGate gate = harness.Services.GetRequiredService<ConcurrencyGate>();

        using (HttpResponseMessage ok = await harness.PostAsync("/v1/completions", Fleet.StreamBody))
        {
            Assert.Equal(200, (int)ok.StatusCode);
            await ok.Content.ReadAsStringAsync();
        }

        using (HttpResponseMessage malformed = await harness.PostAsync("/v1/completions", "{\"model\":"))
        {
            Assert.Equal(400, (int)malformed.StatusCode);
        }

        using (HttpResponseMessage unknownModel = await harness.PostAsync("/v1/completions", "{\"model\":\"nope\",\"prompt\":\"x\"}"))
        {
            Assert.Equal(404, (int)unknownModel.StatusCode);
        }

        // A client that leaves in the middle of a stream (no draining: disposing the answer closes the connection).
        using (var leaving = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = harness.Address })
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new StringContent(SlowStream, Encoding.UTF8, "application/json") })
        using (HttpResponseMessage left = await leaving.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(200, (int)left.StatusCode);
            await using Stream events = await left.Content.ReadAsStreamAsync();
            Assert.True(await events.ReadAsync(new byte[1]) > 0);
        }

        Assert.True(await Eventually.TrueAsync(() => gate.InFlight == 0, TimeSpan.FromSeconds(5)), $"{gate.InFlight} slot(s) still taken");

        // Both slots usable again, at once.
        using HttpResponseMessage first = await harness.PostAsync("/v1/completions", SlowStream);
        using HttpResponseMessage second = await harness.PostAsync("/v1/completions", SlowStream);
        Assert.Equal(200, (int)first.StatusCode);
        Assert.Equal(200, (int)second.StatusCode);
    }

    [Fact]
    public async Task Shutdown_HealthTurns503AtOnce_AcceptsDuringTheDelay_ThenRefuses_AndStreamsFinish()
    {
        // The delay runs on the router's clock: the requests below come inside it however slow the machine, and it
        // ends when the test moves the clock.
        var routerClock = new ManualTimeProvider();
        TimeSpan delay = TimeSpan.FromMilliseconds(500);
        await using RouterTestHarness harness = await Fleet.StartAsync(
            new ManualTimeProvider(),
            o => o with { ShutdownDelay = delay, ShutdownTimeout = TimeSpan.FromSeconds(20) },
            decodeInterTokenLatency: TimeSpan.FromMilliseconds(150),
            routerClock: routerClock);
        using HttpResponseMessage stream = await harness.PostAsync("/v1/completions", SlowStream);
        Task<string> streamBody = stream.Content.ReadAsStringAsync();

        Task shutdown = harness.Services.GetRequiredService<GracefulShutdown>().BeginAsync();
        using HttpResponseMessage health = await harness.Client.GetAsync("/health");
        using HttpResponseMessage ready = await harness.Client.GetAsync("/readyz");
        using HttpResponseMessage during = await harness.PostAsync("/v1/completions", Fleet.StreamBody);
        Assert.False(shutdown.IsCompleted, "the shutdown delay ended before the router's clock moved");
        routerClock.Advance(delay);
        await shutdown;
        bool refused = await Eventually.TrueAsync(() => !CanConnect(harness.Address), TimeSpan.FromSeconds(5));

        Assert.Equal(503, (int)health.StatusCode);
        using (JsonDocument report = JsonDocument.Parse(await health.Content.ReadAsStringAsync()))
        {
            Assert.Equal("draining", report.RootElement.GetProperty("status").GetString());
        }

        Assert.Equal(503, (int)ready.StatusCode);
        Assert.Equal(200, (int)during.StatusCode);
        Assert.True(refused, "new connections were still accepted after the delay");
        List<string> events = SseReader.Parse(await streamBody);
        Assert.Equal("[DONE]", events[^1]);
        Assert.Equal(16, events.Count);
    }

    private static bool CanConnect(Uri address)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(address.Host, address.Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
