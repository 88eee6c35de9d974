using FastRouter.LoadTests.Http;
using FastRouter.LoadTests.Overload;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using Microsoft.Extensions.Logging;

namespace FastRouter.Tests.LoadTests;

/// <summary>The overload scenario against the real router (flow control on) in front of simulator pods, over loopback.</summary>
public sealed class OverloadIntegrationTests
{
    [Fact]
    public async Task At_three_times_capacity_every_request_is_answered_and_only_served_ones_reach_a_pod()
    {
        // One prefill pod computing 2,000 tokens/s, one request per batch; 400-byte prompts are 108 tokens, 54 ms each.
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            [new SimulatorOptions { Role = SimulatorRole.Prefill, CacheBlocks = 1024, PrefillTokensPerSecond = 2000, MaxBatchTokens = 128 }],
            [new SimulatorOptions { Role = SimulatorRole.Decode, CacheBlocks = 1024, InterTokenLatency = TimeSpan.FromMilliseconds(2) }],
            o => o with { FlowControl = true, SaturationInFlight = 1 },
            logLevel: LogLevel.Warning);
        var options = new OverloadOptions
        {
            Target = harness.Address,
            Pods = [new Uri(harness.Prefill[0].BaseAddress, "/"), new Uri(harness.Decode[0].BaseAddress, "/")],
            Capacity = 2000.0 / 108,
            Load = 3,
            PromptBytes = 400,
            MaxTokens = 3,
            QueueTimeout = TimeSpan.FromMilliseconds(300),
            HangTimeout = TimeSpan.FromSeconds(30),
            Duration = TimeSpan.FromSeconds(2),
            Seed = 3,
            Name = "test",
            OutputDirectory = Path.GetTempPath(),
            Progress = false,
        };
        IReadOnlyList<OverloadArrival> schedule = OverloadSchedule.Build(options);
        using HttpMessageInvoker invoker = LoadHttpClientFactory.Create(256);
        var runner = new OverloadRunner(options, new OverloadRequestSender(invoker, options.Target, options.QueueTimeout, options.HangTimeout));

        await runner.RunAsync(schedule, TextWriter.Null, CancellationToken.None);

        OverloadCellSummary heavy = runner.Statistics.Summarize(OverloadClient.Heavy, -1);
        OverloadCellSummary light = runner.Statistics.Summarize(OverloadClient.Light, -1);
        Assert.Equal(schedule.Count, heavy.Sent + light.Sent);
        Assert.Equal(0, heavy.Hanging + light.Hanging + heavy.OtherErrors + light.OtherErrors);
        Assert.Equal(schedule.Count, heavy.Answered + light.Answered);
        // Three times what one pod serves, deadlines of 0.3 s: the router must have turned many away with 503.
        Assert.True(heavy.Unavailable > 0, $"no 503 among {heavy.Sent} heavy requests");
        Assert.True(heavy.Served > 0 && light.Served > 0, $"served heavy {heavy.Served}, light {light.Served}");
        Assert.True(runner.Statistics.Summarize(OverloadClient.Heavy, OverloadBand.High).TtftP50Ms > 0);

        // The band and the client reached the router: the light client, one request in eleven, waits its turn
        // between the heavy one's, so it loses a smaller part of its requests than the heavy one does.
        Assert.True(light.Served / (double)light.Sent > heavy.Served / (double)heavy.Sent,
            $"light served {light.Served}/{light.Sent}, heavy {heavy.Served}/{heavy.Sent}");

        using var http = new HttpClient();
        FleetRequests fleet = await FleetRequestsReader.ReadAsync(http, options, CancellationToken.None);
        Assert.Equal(2, fleet.PodsRead);
        Assert.Equal(heavy.Served + light.Served, fleet.PrefillRequests);
        Assert.Equal(heavy.Served + light.Served, fleet.DecodeRequests);
        Assert.Equal(0, fleet.RouterRetries);
    }
}
