using System.Text.Json;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Hosting;
using Microsoft.AspNetCore.Builder;

namespace FastRouter.Tests.Hosting;

public sealed class HealthBeforeDiscoveryTests
{
    [Fact]
    public async Task HealthAndReadyz_Are503UntilDiscoveryHasListedThePods_ThenHealthIs200WithNoPods()
    {
        var discovery = new UnsynchronizedDiscovery();
        var options = new RouterOptions { Host = "127.0.0.1", Port = 0 };
        WebApplication app = RouterHost.Build(options, discovery, _ => { });
        await app.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = RouterHost.GetListenAddress(app) };

            using HttpResponseMessage healthBefore = await client.GetAsync("/health");
            using JsonDocument healthBeforeBody = JsonDocument.Parse(await healthBefore.Content.ReadAsStringAsync());
            using HttpResponseMessage readyBefore = await client.GetAsync("/readyz");
            discovery.IsSynchronized = true;
            using HttpResponseMessage healthAfter = await client.GetAsync("/health");
            using JsonDocument healthAfterBody = JsonDocument.Parse(await healthAfter.Content.ReadAsStringAsync());
            using HttpResponseMessage readyAfter = await client.GetAsync("/readyz");

            Assert.Equal(503, (int)healthBefore.StatusCode);
            Assert.Contains("not listed", healthBeforeBody.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal(503, (int)readyBefore.StatusCode);

            // Listed, and no pod at all (a fleet scaled to zero): the router itself is healthy, not ready.
            Assert.Equal(200, (int)healthAfter.StatusCode);
            Assert.Equal(0, healthAfterBody.RootElement.GetProperty("prefill_pods").GetInt32());
            Assert.Equal(["prefill", "decode"], healthAfterBody.RootElement.GetProperty("missing_roles").EnumerateArray().Select(r => r.GetString()));
            Assert.Equal(503, (int)readyAfter.StatusCode);
            Assert.Contains("No prefill and no decode pod", await readyAfter.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private sealed class UnsynchronizedDiscovery : IBackendDiscovery
    {
        public RoutingTable Current => RoutingTable.Empty;

        public bool IsSynchronized { get; set; }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
