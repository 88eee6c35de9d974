using FastRouter.Balancing;
using FastRouter.Configuration;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace FastRouter.Tests.Resilience;

/// <summary>Pod health steering real requests: ejection and return, "healthy or panic", active probes, P2C.</summary>
public sealed class PodHealthTests
{
    [Fact]
    public async Task AnEjectedPod_GetsNoRequests_AndComesBackOnItsOwn()
    {
        var routerClock = new ManualTimeProvider();
        await using RouterTestHarness harness = await Fleet.StartAsync(new ManualTimeProvider(), routerClock: routerClock);
        harness.Prefill[0].Faults.Set(SimulatorFaultMode.Status500, count: 3);

        await Fleet.ChatsAnsweredAsync(harness, 10);

        Assert.Equal(3, Fleet.Calls(harness.Prefill[0]));
        routerClock.Advance(TimeSpan.FromSeconds(5));
        await Fleet.ChatsAnsweredAsync(harness, 4);

        Assert.Equal(5, Fleet.Calls(harness.Prefill[0]));
        Assert.Contains(harness.Logs.Lines, l => l.EventId.Id == 300);
        Assert.Contains(harness.Logs.Lines, l => l.EventId.Id == 301);
    }

    [Fact]
    public async Task WhenEveryPodOfARoleIsEjected_TheyAreTriedAnyway()
    {
        var routerClock = new ManualTimeProvider();
        await using RouterTestHarness harness = await Fleet.StartAsync(new ManualTimeProvider(), o => o with { EjectAfterFailures = 1, MaxRetries = 0 }, routerClock: routerClock);
        harness.Prefill[0].Faults.Set(SimulatorFaultMode.Status503, count: 1);
        harness.Prefill[1].Faults.Set(SimulatorFaultMode.Status503, count: 1);

        using HttpResponseMessage first = await harness.PostAsync("/v1/chat/completions", Fleet.ChatBody);
        using HttpResponseMessage second = await harness.PostAsync("/v1/chat/completions", Fleet.ChatBody);
        using HttpResponseMessage third = await harness.PostAsync("/v1/chat/completions", Fleet.ChatBody);

        Assert.Equal(503, (int)first.StatusCode);
        Assert.Equal(503, (int)second.StatusCode);
        Assert.Equal(200, (int)third.StatusCode);
        Assert.Equal(3, harness.Prefill.Sum(Fleet.Calls));
    }

    [Fact]
    public async Task APodFailingItsActiveProbe_GetsNoNewRequests()
    {
        await using RouterTestHarness harness = await Fleet.StartAsync(new ManualTimeProvider(), o => o with { ActiveHealthChecks = true, HealthCheckInterval = TimeSpan.FromHours(1) });
        await harness.Decode[0].StopAsync();
        await harness.Services.GetRequiredService<ActiveHealthProber>().ProbeAllAsync(CancellationToken.None);

        await Fleet.ChatsAnsweredAsync(harness, 6);

        Assert.Equal(6, Fleet.Calls(harness.Decode[1]));
        Assert.DoesNotContain(harness.Logs.Lines, l => l.EventId.Id == 19);
        Assert.Contains(harness.Logs.Lines, l => l.EventId.Id == 302);
    }

    [Fact]
    public async Task LeastInFlight_SendsNewRequestsToTheLessBusyPod()
    {
        await using RouterTestHarness harness = await Fleet.StartAsync(
            new ManualTimeProvider(),
            o => o with { PodSelection = PodSelection.LeastInFlight },
            decodeInterTokenLatency: TimeSpan.FromMilliseconds(100));
        string longStream = RequestBodies.Completion(40, stream: true);

        using HttpResponseMessage streaming = await harness.PostAsync("/v1/completions", longStream);
        await using Stream stream = await streaming.Content.ReadAsStreamAsync();
        Assert.True(await stream.ReadAsync(new byte[64]) > 0);
        int busy = harness.Decode[0].RunningRequests == 1 ? 0 : 1;
        for (int i = 0; i < 5; i++)
        {
            using HttpResponseMessage response = await harness.PostAsync("/v1/completions", RequestBodies.Completion(1));
            Assert.Equal(200, (int)response.StatusCode);
        }

        Assert.Equal(1, Fleet.Calls(harness.Decode[busy]));
        Assert.Equal(5, Fleet.Calls(harness.Decode[1 - busy]));
    }
}
