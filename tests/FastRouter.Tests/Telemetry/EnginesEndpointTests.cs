using System.Text.Json;
using FastRouter.Telemetry;

namespace FastRouter.Tests.Telemetry;

public sealed class EnginesEndpointTests
{
    [Fact]
    public async Task Engines_ListsPodsWithModelsCreatedRoleStateAndInFlight()
    {
        await using TelemetryTestHost host = await TelemetryTestHost.StartAsync(decodePods: 2);
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60;
        host.Metrics.Ejected(host.Decode);
        BackendCall call = host.Metrics.BackendCallStarted(host.Prefill, TelemetryTestHost.Model);

        using HttpResponseMessage response = await host.Client.GetAsync(new Uri("/engines", UriKind.Relative));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement[] engines = [.. document.RootElement.EnumerateArray()];
        Assert.Equal(3, engines.Length);
        foreach (JsonElement engine in engines)
        {
            Assert.True(Guid.TryParse(engine.GetProperty("engine_id").GetString(), out _));
            Assert.Equal([TelemetryTestHost.Model], engine.GetProperty("serving_models").EnumerateArray().Select(m => m.GetString()));
            Assert.InRange(engine.GetProperty("created").GetInt64(), before, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            Assert.True(engine.GetProperty("in_flight").GetInt32() >= 0);
        }

        JsonElement prefill = engines.Single(e => e.GetProperty("url").GetString() == host.Prefill.Name);
        Assert.Equal("prefill", prefill.GetProperty("role").GetString());
        Assert.Equal("ready", prefill.GetProperty("state").GetString());
        Assert.Equal(1, prefill.GetProperty("in_prefill").GetInt32());
        JsonElement ejected = engines.Single(e => e.GetProperty("url").GetString() == host.Decode.Name);
        Assert.Equal("decode", ejected.GetProperty("role").GetString());
        Assert.Equal("ejected", ejected.GetProperty("state").GetString());
        host.Metrics.BackendCallCompleted(ref call, BackendOutcome.Success);
    }

    [Fact]
    public void EngineId_IsAVersion5UuidOfTheUrl()
    {
        // uuid.uuid5(uuid.NAMESPACE_DNS, "python.org") from Python's documentation.
        Assert.Equal("886313e1-3b8a-5372-9b90-0c9aee199e5d", EnginesEndpoint.EngineId("python.org"));
    }
}
