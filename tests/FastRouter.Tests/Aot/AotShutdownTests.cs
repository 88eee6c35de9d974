using System.Text;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Aot;

/// <summary>The binary receiving SIGTERM as a pod does: it drains, lets a running stream finish, and exits 0.</summary>
[Collection(AotCollection.Name)]
public sealed class AotShutdownTests(AotBinaryFixture fixture)
{
    [Fact]
    public async Task Sigterm_TurnsHealthAndReadyz503_FinishesTheRunningStream_AndExitsZero()
    {
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill });
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode, InterTokenLatency = TimeSpan.FromMilliseconds(100) });
        int port = FreePort.Get();
        using NativeProcess router = NativeProcess.Start(
            fixture.BinaryPath,
            NativeProcess.PodPairArguments(port, prefill.BaseAddress, decode.BaseAddress, "--shutdown-delay=3", "--shutdown-timeout=30"));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        await router.WaitUntilServingAsync(client, "/livez");
        using (HttpResponseMessage before = await client.GetAsync("/health"))
        {
            Assert.Equal(200, (int)before.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = new StringContent(RequestBodies.Completion(20, stream: true), Encoding.UTF8, "application/json"),
        };
        using HttpResponseMessage stream = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Task<string> body = stream.Content.ReadAsStringAsync();
        router.Terminate();

        // The signal is handled on a thread of its own: poll until draining is observable (the delay keeps the
        // listener open meanwhile) rather than assert on the first answer after the kill.
        int health = await StatusOnceDrainingAsync(client, "/health");
        int ready = await StatusOnceDrainingAsync(client, "/readyz");
        int exitCode = await router.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(503, health);
        Assert.Equal(503, ready);
        List<string> events = SseReader.Parse(await body);
        Assert.Equal("[DONE]", events[^1]);
        Assert.Equal(21, events.Count);
        Assert.Equal(0, exitCode);
        Assert.Contains("Shutting down", router.Output, StringComparison.Ordinal);
    }

    /// <summary>The first non-200 status of <paramref name="path"/>, polled for up to 2.5 s (under the 3 s delay).</summary>
    private static Task<int> StatusOnceDrainingAsync(HttpClient client, string path) =>
        Eventually.ValueAsync(
            async () =>
            {
                using HttpResponseMessage response = await client.GetAsync(path);
                return (int)response.StatusCode;
            },
            status => status != 200,
            TimeSpan.FromSeconds(2.5));
}
