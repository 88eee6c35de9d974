using System.Text.Json;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Hosting;
using Microsoft.AspNetCore.Builder;

namespace FastRouter.Tests.Hosting;

public sealed class HealthBeforeDiscoveryTests
{
    [Fact]
    public async Task Health_Is503UntilDiscoveryHasListedThePods_ThenFollowsThePods()
    {
        var discovery = new UnsynchronizedDiscovery();
        var options = new RouterOptions { Host = "127.0.0.1", Port = 0 };
        WebApplication app = RouterHost.Build(options, discovery, _ => { });
        await app.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = RouterHost.GetListenAddress(app) };

            using HttpResponseMessage before = await client.GetAsync("/health");
            using JsonDocument body = JsonDocument.Parse(await before.Content.ReadAsStringAsync());
            discovery.IsSynchronized = true;
            using HttpResponseMessage after = await client.GetAsync("/health");

            Assert.Equal(503, (int)before.StatusCode);
            Assert.Contains("not listed", body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);

            // Synchronized but with no pods: still 503, now because of the missing roles.
            Assert.Equal(503, (int)after.StatusCode);
            Assert.Contains("No prefill and no decode pod", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
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
