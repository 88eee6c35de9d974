using System.Text.Json;
using FastRouter.Configuration;
using FastRouter.Simulation;
using FastRouter.Telemetry;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Telemetry;

public sealed class EnginesEndpointTests
{
    [Fact]
    public async Task Engines_AfterRealTraffic_ShowsTheEjectedPod_AndTheCallsInFlight_AsThePodsSawThem()
    {
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60;
        await using RouterTestHarness host = await RouterTestHarness.StartAsync(
            [new SimulatorOptions { Role = SimulatorRole.Prefill }],
            [new SimulatorOptions { Role = SimulatorRole.Decode }, new SimulatorOptions { Role = SimulatorRole.Decode }],
            o => o with { PodSelection = PodSelection.RoundRobin, EjectAfterFailures = 1, EjectionTime = TimeSpan.FromMinutes(10), MaxEjectionTime = TimeSpan.FromMinutes(10) });
        VllmSimulator prefillPod = host.Prefill[0];
        VllmSimulator failing = host.Decode[0];
        VllmSimulator healthy = host.Decode[1];

        // The first decode call the failing pod gets is answered 500 and ejects it; the request is redone on the other.
        failing.Faults.Set(SimulatorFaultMode.Status500);
        for (int i = 0; i < 4 && Calls(failing) == 0; i++)
        {
            await host.CompleteAsync(stream: false);
        }

        Assert.Equal(1, Calls(failing));

        // One request held in its prefill: the prefill call, and the decode pod picked for it, are in flight.
        prefillPod.Faults.Set(SimulatorFaultMode.SlowPrefill, delay: TimeSpan.FromMinutes(10));
        using var leave = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = new StringContent("{\"model\":\"llama31-8b\",\"prompt\":\"x\",\"max_tokens\":4}", System.Text.Encoding.UTF8, "application/json"),
        };
        Task<HttpResponseMessage> held = host.Client.SendAsync(request, leave.Token);
        Assert.True(await Eventually.TrueAsync(() => prefillPod.RunningRequests == 1), "the request never reached prefill");

        using HttpResponseMessage response = await host.Client.GetAsync(new Uri("/engines", UriKind.Relative));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement[] engines = [.. document.RootElement.EnumerateArray()];
        Assert.Equal(3, engines.Length);
        foreach (JsonElement engine in engines)
        {
            Assert.Equal(EnginesEndpoint.EngineId(engine.GetProperty("url").GetString()!), engine.GetProperty("engine_id").GetString());
            Assert.Equal([RouterTestHarness.Model], engine.GetProperty("serving_models").EnumerateArray().Select(m => m.GetString()));
            Assert.InRange(engine.GetProperty("created").GetInt64(), before, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        }

        // Completed calls as the pods counted them: the held prefill call is not over yet.
        JsonElement prefill = Engine(engines, prefillPod);
        Assert.Equal("prefill", prefill.GetProperty("role").GetString());
        Assert.Equal("ready", prefill.GetProperty("state").GetString());
        Assert.Equal(1, prefill.GetProperty("in_flight").GetInt32());
        Assert.Equal(1, prefill.GetProperty("in_prefill").GetInt32());
        Assert.Equal(0, prefill.GetProperty("in_decoding").GetInt32());
        Assert.Equal(Calls(prefillPod) - 1, prefill.GetProperty("requests").GetInt64());
        Assert.Equal(0, prefill.GetProperty("failures").GetInt64());

        JsonElement ejected = Engine(engines, failing);
        Assert.Equal("decode", ejected.GetProperty("role").GetString());
        Assert.Equal("ejected", ejected.GetProperty("state").GetString());
        Assert.Equal(0, ejected.GetProperty("in_flight").GetInt32());
        Assert.Equal(1, ejected.GetProperty("requests").GetInt64());
        Assert.Equal(1, ejected.GetProperty("failures").GetInt64());

        // The held request's decode pod counts as busy from the pick on, though nothing was sent to it yet.
        JsonElement ready = Engine(engines, healthy);
        Assert.Equal("ready", ready.GetProperty("state").GetString());
        Assert.Equal(1, ready.GetProperty("in_flight").GetInt32());
        Assert.Equal(0, ready.GetProperty("in_prefill").GetInt32());
        Assert.Equal(Calls(healthy), ready.GetProperty("requests").GetInt64());
        Assert.Equal(0, ready.GetProperty("failures").GetInt64());

        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => held);
    }

    private static JsonElement Engine(JsonElement[] engines, VllmSimulator pod) =>
        engines.Single(e => e.GetProperty("url").GetString() == RouterTestHarness.PodName(pod));

    /// <summary>Completion calls a pod received, drains included (health probes are off).</summary>
    private static int Calls(VllmSimulator pod) => pod.ReceivedRequests.Count(r => r.Path is "/v1/chat/completions" or "/v1/completions");

    [Fact]
    public void EngineId_IsAVersion5UuidOfTheUrl()
    {
        // uuid.uuid5(uuid.NAMESPACE_DNS, "python.org") from Python's documentation.
        Assert.Equal("886313e1-3b8a-5372-9b90-0c9aee199e5d", EnginesEndpoint.EngineId("python.org"));
    }
}
