using System.Diagnostics;
using FastRouter.Balancing;
using FastRouter.Configuration;
using FastRouter.Simulation;
using FastRouter.Tests.Configuration;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace FastRouter.Tests.Resilience;

/// <summary>
/// Active probes both ways: a pod that fails its probe and then recovers is back in rotation once a probe passes,
/// and a pod whose /health never answers is given up on after --health-check-timeout, not waited for.
/// </summary>
public sealed class ActiveProbeTests
{
    [Fact]
    public async Task APodFailingItsProbe_IsBackInRotation_OnceItsProbePassesAgain()
    {
        var decodeA = new SimulatorOptions { Role = SimulatorRole.Decode, Port = FreePort.Get() };
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            [new SimulatorOptions { Role = SimulatorRole.Prefill }],
            [decodeA, new SimulatorOptions { Role = SimulatorRole.Decode }],
            ProbesFromFlags("--health-check-interval", "3600", "--health-check-timeout", "2", "--pod-selection", "round-robin"));
        var prober = harness.Services.GetRequiredService<ActiveHealthProber>();

        // Down: its probe fails, and it gets none of the requests.
        await harness.Decode[0].StopAsync();
        await prober.ProbeAllAsync(CancellationToken.None);
        Assert.Contains(harness.Logs.Lines, l => l.EventId.Id == 302 && l.Message.Contains(decodeA.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        await PostAsync(harness, 4);
        Assert.Equal(4, Fleet.Calls(harness.Decode[1]));

        // Back on the same address: its next probe passes, and round robin gives it every other request again.
        await using VllmSimulator revived = await VllmSimulator.StartAsync(decodeA);
        await prober.ProbeAllAsync(CancellationToken.None);
        Assert.Contains(harness.Logs.Lines, l => l.EventId.Id == 303);
        await PostAsync(harness, 4);
        Assert.Equal(2, Fleet.Calls(revived));
        Assert.Equal(6, Fleet.Calls(harness.Decode[1]));
    }

    [Fact]
    public async Task AProbeThatHangs_IsBoundedByTheHealthCheckTimeout_AndFailsThePod()
    {
        using var never = new CancellationTokenSource();
        await using var hung = new ScriptedPod(async (_, _) => await Task.Delay(Timeout.InfiniteTimeSpan, never.Token));
        await using VllmSimulator prefill = await VllmSimulator.StartAsync(new SimulatorOptions { Role = SimulatorRole.Prefill });

        // The router probes every pod as it starts; the hung pod's probe must end by the 0.5 s timeout.
        var clock = Stopwatch.StartNew();
        await using PodPairRouter router = await PodPairRouter.StartAsync(
            prefill.BaseAddress,
            hung.BaseAddress,
            ProbesFromFlags("--active-health-checks", "on", "--health-check-interval", "3600", "--health-check-timeout", "0.5"));
        bool failed = await Eventually.TrueAsync(() => router.Logs.Lines.Any(l => l.EventId.Id == 302), TimeSpan.FromSeconds(20));
        clock.Stop();
        await never.CancelAsync();

        Assert.True(failed, "the hung probe never ended");
        CapturedLog line = Assert.Single(router.Logs.Lines, l => l.EventId.Id == 302);
        Assert.Contains(hung.BaseAddress.GetLeftPart(UriPartial.Authority), line.Message, StringComparison.Ordinal);
        Assert.Contains("timed out", line.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.4), $"the probe failed after {clock.Elapsed.TotalSeconds:F2} s, before its timeout");
        Assert.Equal(1, hung.RequestCount);
    }

    private static async Task PostAsync(RouterTestHarness harness, int count)
    {
        for (int i = 0; i < count; i++)
        {
            using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", Fleet.ChatBody);
            Assert.Equal(200, (int)response.StatusCode);
        }
    }

    /// <summary>Active probes on, with the interval, timeout and pod selection the flags give.</summary>
    private static Func<RouterOptions, RouterOptions> ProbesFromFlags(params string[] flags)
    {
        RouterOptions parsed = CommandLineTestHelpers.AssertRuns(CommandLineTestHelpers.ParseWith(flags));
        return options => options with
        {
            ActiveHealthChecks = parsed.ActiveHealthChecks,
            HealthCheckInterval = parsed.HealthCheckInterval,
            HealthCheckTimeout = parsed.HealthCheckTimeout,
            PodSelection = parsed.PodSelection,
        };
    }
}
