using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using static FastRouter.Tests.Simulation.SimulatorHttp;

namespace FastRouter.Tests.Simulation;

public sealed class FaultInjectionTests
{
    private const string ChatBody = """{"messages":[{"role":"user","content":"hi"}],"max_tokens":4}""";
    private const string StreamBody = """{"messages":[{"role":"user","content":"hi"}],"max_tokens":4,"stream":true}""";

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, "InternalServerError")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "ServiceUnavailableError")]
    public async Task StatusFault_AppliesToCountRequests_ThenStops(HttpStatusCode status, string type)
    {
        SimulatorFaultMode mode = status == HttpStatusCode.InternalServerError ? SimulatorFaultMode.Status500 : SimulatorFaultMode.Status503;
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };
        sim.Faults.Set(mode, count: 2);

        (HttpResponseMessage first, string firstText) = await SendAsync(client, "/v1/chat/completions", ChatBody);
        (HttpResponseMessage second, _) = await SendAsync(client, "/v1/chat/completions", ChatBody);
        (HttpResponseMessage third, _) = await SendAsync(client, "/v1/chat/completions", ChatBody);

        Assert.Equal(status, first.StatusCode);
        Assert.Equal(type, Parse(firstText).GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(status, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal(SimulatorFaultMode.None, sim.Faults.Mode);
        Assert.Equal(2, sim.Stats[SimulatorCounter.FaultsInjected]);
    }

    [Fact]
    public async Task FaultsEndpoint_ArmsAndReportsFaults()
    {
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };

        (HttpResponseMessage armed, string armedText) = await SendAsync(client, "/sim/faults", """{"mode":"status503","count":1}""");
        (HttpResponseMessage faulted, _) = await SendAsync(client, "/v1/completions", """{"prompt":"x"}""");
        (HttpResponseMessage healthy, _) = await SendAsync(client, "/v1/completions", """{"prompt":"x"}""");
        (HttpResponseMessage refused, _) = await SendAsync(client, "/sim/faults", """{"mode":"explode"}""");

        Assert.Equal(HttpStatusCode.OK, armed.StatusCode);
        Assert.Equal("Status503", Parse(armedText).GetProperty("mode").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, faulted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        JsonElement stats = Parse(await client.GetStringAsync(new Uri("/sim/stats", UriKind.Relative)));
        Assert.Equal("None", stats.GetProperty("faults").GetProperty("mode").GetString());
    }

    [Fact]
    public async Task ResetConnection_AbortsWithoutAnswer()
    {
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };
        sim.Faults.Set(SimulatorFaultMode.ResetConnection, count: 1);

        await Assert.ThrowsAsync<HttpRequestException>(() => SendAsync(client, "/v1/chat/completions", ChatBody));
        (HttpResponseMessage next, _) = await SendAsync(client, "/v1/chat/completions", ChatBody);

        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task Hang_NeverAnswers_UntilTheClientGivesUp()
    {
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };
        sim.Faults.Set(SimulatorFaultMode.Hang, count: 1);
        using var giveUp = new CancellationTokenSource();
        using HttpRequestMessage request = Post("/v1/chat/completions", ChatBody);

        Task<HttpResponseMessage> sending = client.SendAsync(request, giveUp.Token);
        Assert.True(await Eventually.TrueAsync(() => sim.RunningRequests == 1));
        Assert.False(sending.IsCompleted);
        await giveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        Assert.True(await Eventually.TrueAsync(() => sim.Stats.ClientAborts == 1 && sim.RunningRequests == 0));
    }

    [Fact]
    public async Task Hang_DoesNotDelayStop()
    {
        VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };
        sim.Faults.Set(SimulatorFaultMode.Hang);
        Task<(HttpResponseMessage, string)> sending = SendAsync(client, "/v1/chat/completions", ChatBody);
        Assert.True(await Eventually.TrueAsync(() => sim.RunningRequests == 1));

        await sim.DisposeAsync();

        await Assert.ThrowsAsync<HttpRequestException>(() => sending);
    }

    [Fact]
    public async Task SlowPrefill_DelaysTheFirstTokenOnTheInjectedClock()
    {
        var clock = new ManualTimeProvider();
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode, TimeProvider = clock });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };
        sim.Faults.Set(SimulatorFaultMode.SlowPrefill, count: 1, delay: TimeSpan.FromSeconds(5));

        Task<(HttpResponseMessage Response, string Body)> sending = SendAsync(client, "/v1/chat/completions", ChatBody);
        Assert.True(await Eventually.TrueAsync(() => clock.ActiveTimerCount == 1), "the delay never started");
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.False(sending.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));

        (HttpResponseMessage response, _) = await sending;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task DropMidStream_AbortsAfterNEvents()
    {
        await using VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient { BaseAddress = sim.BaseAddress };
        sim.Faults.Set(SimulatorFaultMode.DropMidStream, count: 1, afterEvents: 2);

        // A non-streaming request does not consume the fault.
        (HttpResponseMessage plain, _) = await SendAsync(client, "/v1/chat/completions", ChatBody);
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);

        using HttpRequestMessage request = Post("/v1/chat/completions", StreamBody);
        using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var received = new System.Text.StringBuilder();
        Exception? failure = null;
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                received.Append(line).Append('\n');
            }
        }
        catch (IOException exception)
        {
            failure = exception;
        }
        catch (HttpRequestException exception)
        {
            failure = exception;
        }

        Assert.NotNull(failure);
        Assert.Equal(2, SseReader.Parse(received.ToString()).Count);
        Assert.DoesNotContain("[DONE]", received.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailKvPull_DecodeAnswers500_AndPrefillKeepsTheBlocks()
    {
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill });
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient();
        decode.Faults.Set(SimulatorFaultMode.FailKvPull, count: 1);

        // Without params there is nothing to pull: the fault waits for a request that has some.
        (HttpResponseMessage recomputed, _) = await SendAsync(client, decode.BaseAddress + "v1/chat/completions", ChatBody);
        JsonElement kv = await KvHandoffTests.PrefillAsync(client, prefill);
        (HttpResponseMessage failed, string text) = await SendAsync(client, decode.BaseAddress + "v1/chat/completions", KvHandoffTests.WithKvParams(ChatBody, kv));

        Assert.Equal(HttpStatusCode.OK, recomputed.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.StartsWith("failed to load KV cache from localhost:", Parse(text).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(prefill.HeldKvBlocks > 0);
    }

    [Fact]
    public async Task StoppedSimulator_RefusesConnections()
    {
        VllmSimulator sim = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill });
        using var client = new HttpClient();
        Uri api = sim.BaseAddress;
        int sideChannelPort = sim.SideChannelPort;

        await sim.StopAsync();
        await sim.StopAsync();
        await sim.DisposeAsync();

        HttpRequestException apiError = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri(api, "/health")));
        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(apiError.InnerException).SocketErrorCode);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri($"http://127.0.0.1:{sideChannelPort}/health")));
    }

    [Fact]
    public async Task DecodeWithParamsPointingAtClosedPort_Answers500()
    {
        await using VllmSimulator decode = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Decode });
        using var client = new HttpClient();
        int closed = FreePort.Get();
        string body = $$$"""{"prompt":"x","kv_transfer_params":{"do_remote_prefill":true,"do_remote_decode":false,"remote_block_ids":[1],"remote_engine_id":"e","remote_host":"127.0.0.1","remote_port":{{{closed}}},"tp_size":1}}""";

        (HttpResponseMessage response, string text) = await SendAsync(client, decode.BaseAddress + "v1/completions", body);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal($"failed to load KV cache from 127.0.0.1:{closed}", Parse(text).GetProperty("error").GetProperty("message").GetString());
    }
}
