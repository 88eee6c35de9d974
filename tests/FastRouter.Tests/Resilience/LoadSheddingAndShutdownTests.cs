using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using FastRouter.Hosting;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace FastRouter.Tests.Resilience;

public sealed class LoadSheddingAndShutdownTests
{
    private const string SlowStream = "{\"model\":\"llama31-8b\",\"prompt\":\"x\",\"max_tokens\":15,\"stream\":true}";

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
    public async Task Shutdown_HealthTurns503AtOnce_AcceptsDuringTheDelay_ThenRefuses_AndStreamsFinish()
    {
        await using RouterTestHarness harness = await Fleet.StartAsync(
            new ManualTimeProvider(),
            o => o with { ShutdownDelay = TimeSpan.FromMilliseconds(500), ShutdownTimeout = TimeSpan.FromSeconds(20) },
            decodeInterTokenLatency: TimeSpan.FromMilliseconds(150));
        using HttpResponseMessage stream = await harness.PostAsync("/v1/completions", SlowStream);
        Task<string> streamBody = stream.Content.ReadAsStringAsync();

        Task shutdown = harness.Services.GetRequiredService<GracefulShutdown>().BeginAsync();
        using HttpResponseMessage health = await harness.Client.GetAsync("/health");
        using HttpResponseMessage during = await harness.PostAsync("/v1/completions", Fleet.StreamBody);
        await shutdown;
        bool refused = await Eventually.TrueAsync(() => !CanConnect(harness.Address), TimeSpan.FromSeconds(5));

        Assert.Equal(503, (int)health.StatusCode);
        using (JsonDocument report = JsonDocument.Parse(await health.Content.ReadAsStringAsync()))
        {
            Assert.Equal("draining", report.RootElement.GetProperty("status").GetString());
        }

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
