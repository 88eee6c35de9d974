using System.Text.Json;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Proxying;

/// <summary>A backend's error status reaches the client with an OpenAI-shaped body.</summary>
public sealed class BackendErrorTests
{
    [Fact]
    public async Task PrefillError_AlreadyOpenAiShaped_PassesThroughAndDecodeIsNotCalled()
    {
        // Without --static-models the router does not check names, so the pod's own 404 comes back.
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { HasStaticModels = false });

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", "{\"model\":\"other\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");

        var error = await OpenAiErrorAssert.IsErrorAsync(response, 404, "NotFoundError");
        Assert.Equal("The model `other` does not exist.", error.GetProperty("message").GetString());
        Assert.Empty(harness.Decode[0].ReceivedRequests);
    }

    [Fact]
    public async Task PrefillError_NotOpenAiShaped_IsWrapped()
    {
        // The pods want a key the router does not send: vLLM answers 401 {"error":"Unauthorized"}.
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(prefill: new SimulatorOptions { Role = SimulatorRole.Prefill, ApiKey = "k" });

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", "{\"model\":\"llama31-8b\",\"messages\":[]}");

        var error = await OpenAiErrorAssert.IsErrorAsync(response, 401, "AuthenticationError");
        Assert.Equal("Unauthorized", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task DecodeError_IsRelayedWithItsStatus()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(decode: new SimulatorOptions { Role = SimulatorRole.Decode, ApiKey = "k" });

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", "{\"model\":\"llama31-8b\",\"prompt\":\"x\"}");

        await OpenAiErrorAssert.IsErrorAsync(response, 401);
        Assert.Single(harness.Prefill[0].ReceivedRequests);
    }

    [Fact]
    public async Task PrefillPodDown_Gets502NamingThePod()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync();
        await harness.Prefill[0].StopAsync();

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", "{\"model\":\"llama31-8b\",\"prompt\":\"x\"}");

        var error = await OpenAiErrorAssert.IsErrorAsync(response, 502, "BadGatewayError");
        Assert.Contains(harness.Prefill[0].BaseAddress.GetLeftPart(UriPartial.Authority), error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(harness.Decode[0].ReceivedRequests);
    }

    [Fact]
    public async Task PrefillTimeout_Gets504()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            o => o with { PrefillTimeout = TimeSpan.FromMilliseconds(300) },
            new SimulatorOptions { Role = SimulatorRole.Prefill, PrefillBaseLatency = TimeSpan.FromSeconds(10) });

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", "{\"model\":\"llama31-8b\",\"prompt\":\"x\"}");

        await OpenAiErrorAssert.IsErrorAsync(response, 504, "GatewayTimeoutError");
        Assert.Empty(harness.Decode[0].ReceivedRequests);
    }

    [Fact]
    public async Task PrefillAnswerWhoseBodyStalls_IsBoundedByThePrefillTimeout_Gets504()
    {
        // The pod answers 200 at once and then never sends the body: the read of it runs on the leg's own timer,
        // which the client's abort no longer cancels once the pod has answered.
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { PrefillTimeout = TimeSpan.FromMilliseconds(400) });
        harness.Prefill[0].Faults.Set(SimulatorFaultMode.SlowAnswerBody, delay: TimeSpan.FromMinutes(5));

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", "{\"model\":\"llama31-8b\",\"prompt\":\"x\"}");

        await OpenAiErrorAssert.IsErrorAsync(response, 504, "GatewayTimeoutError");
        Assert.Empty(harness.Decode[0].ReceivedRequests);
    }

    [Fact]
    public async Task DecodeStreamBreakingAfterItBegan_EndsWithAnSseErrorEventNotDone()
    {
        // The gap between tokens lets the first events reach the client before the pod drops the connection.
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            decode: new SimulatorOptions { Role = SimulatorRole.Decode, InterTokenLatency = TimeSpan.FromMilliseconds(50) });
        harness.Decode[0].Faults.Set(SimulatorFaultMode.DropMidStream, count: 1, afterEvents: 3);

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", RequestBodies.Completion(8, stream: true));
        string text = await response.Content.ReadAsStringAsync();

        Assert.Equal(200, (int)response.StatusCode);
        List<string> events = SseReader.Parse(text);
        Assert.DoesNotContain("[DONE]", events);
        using JsonDocument last = JsonDocument.Parse(events[^1]);
        Assert.Equal(JsonValueKind.Object, last.RootElement.GetProperty("error").ValueKind);
        Assert.InRange(events.Count, 2, 4);
        using JsonDocument first = JsonDocument.Parse(events[0]);
        Assert.Equal("text_completion", first.RootElement.GetProperty("object").GetString());
    }
}
