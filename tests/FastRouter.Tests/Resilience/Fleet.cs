using FastRouter.Configuration;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Resilience;

/// <summary>
/// Two prefill and two decode simulator pods (or as many decode pods as asked) behind the router, the pods on a manual clock so KV leases expire
/// when a test says so, not when it sleeps. Round-robin picking makes "which pod gets the next request" exact.
/// </summary>
internal static class Fleet
{
    public static readonly string ChatBody = RequestBodies.Chat(4);

    public static readonly string StreamBody = RequestBodies.Completion(4, stream: true, prompt: "Once");

    /// <summary>How long a simulated prefill holds blocks nobody pulls (its default lease).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    public static Task<RouterTestHarness> StartAsync(
        ManualTimeProvider podClock,
        Func<RouterOptions, RouterOptions>? configure = null,
        TimeSpan? decodeInterTokenLatency = null,
        TimeProvider? routerClock = null,
        int decodePods = 2)
    {
        // Inter-token latency needs real time: a decode pod that streams slowly runs on the system clock.
        TimeProvider decodeClock = decodeInterTokenLatency is null ? podClock : TimeProvider.System;
        SimulatorOptions Prefill() => new() { Role = SimulatorRole.Prefill, TimeProvider = podClock, KvLeaseDuration = Lease };
        SimulatorOptions Decode() => new() { Role = SimulatorRole.Decode, TimeProvider = decodeClock, InterTokenLatency = decodeInterTokenLatency ?? TimeSpan.Zero };
        return RouterTestHarness.StartAsync(
            [Prefill(), Prefill()],
            [.. Enumerable.Range(0, decodePods).Select(_ => Decode())],
            options => configure?.Invoke(options with { PodSelection = PodSelection.RoundRobin }) ?? options with { PodSelection = PodSelection.RoundRobin },
            time: routerClock);
    }

    /// <summary>Sends <paramref name="count"/> chats one after another, each of which must be answered 200.</summary>
    public static async Task ChatsAnsweredAsync(RouterTestHarness harness, int count)
    {
        ArgumentNullException.ThrowIfNull(harness);
        for (int i = 0; i < count; i++)
        {
            using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", ChatBody);
            Assert.True(200 == (int)response.StatusCode, $"chat {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Completion calls a pod received (health probes and model lists do not count).</summary>
    public static int Calls(VllmSimulator pod) => pod.ReceivedRequests.Count(r => r.Path is "/v1/chat/completions" or "/v1/completions");

    /// <summary>KV blocks held by every prefill pod together.</summary>
    public static int HeldBlocks(RouterTestHarness harness) => harness.Prefill.Sum(p => p.HeldKvBlocks);
}
