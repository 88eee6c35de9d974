using FastRouter.Balancing;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Engines;
using FastRouter.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastRouter.Tests.Balancing;

/// <summary>Hand-made pods of one role on a manual clock, and a picker over them, for the picker's unit tests.</summary>
internal sealed class PickerFleet : IDisposable
{
    public PickerFleet(int pods, PodSelection selection = PodSelection.Affinity, double loadBound = 0.25, int seed = 1, bool reversed = false,
        BackendRole role = BackendRole.Decode)
    {
        Clock = new ManualTimeProvider();
        Options = new RouterOptions { PodSelection = selection, LoadBound = loadBound, EngineStatsInterval = TimeSpan.FromSeconds(1) };
        Health = new PodHealthTracker(Options, Clock, NullLogger<PodHealthTracker>.Instance);
        Picker = new PodPicker(Options, Health, new Random(seed));
        Pods = new Backend[pods];
        for (int i = 0; i < pods; i++)
        {
            int n = reversed ? pods - 1 - i : i;
            Pods[i] = new Backend(new Uri("http://10.0.0." + (n + 1) + ":8000"), role, null, new HttpMessageInvoker(new SocketsHttpHandler()));
        }
    }

    public ManualTimeProvider Clock { get; }

    public RouterOptions Options { get; }

    public PodHealthTracker Health { get; }

    public PodPicker Picker { get; }

    public Backend[] Pods { get; }

    public int RoundRobin;

    public Backend Pick(ulong key, out PickReason reason, List<Backend>? tried = null) => Picker.Pick(Pods, ref RoundRobin, tried, new PickKeys(key), out reason)!;

    /// <summary>A prefill pick with a conversation key as well as the prefix key.</summary>
    public Backend PickConversation(ulong prefixKey, ulong conversationKey) => Picker.Pick(Pods, ref RoundRobin, null, new PickKeys(prefixKey, conversationKey), out _)!;

    /// <summary>A prefill pick of a prompt of <paramref name="promptTokens"/>, counted as work sent to the pod picked.</summary>
    public Backend PickPrompt(ulong key, int promptTokens, out PickReason reason) => Picker.Pick(Pods, ref RoundRobin, null, new PickKeys(key, 0, promptTokens), out reason)!;

    public Backend Pick(ulong key) => Pick(key, out _);

    public Backend Named(string name) => Array.Find(Pods, p => p.Name == name)!;

    /// <summary>Gives the pod <paramref name="requests"/> of this router's own in flight.</summary>
    public static void Load(Backend pod, int requests)
    {
        for (int i = 0; i < requests; i++)
        {
            pod.Reserve();
        }
    }

    /// <summary>A scrape that just arrived, with the pod's current in-flight count as the router's part of it.</summary>
    public void Scraped(Backend pod, double running, double waiting) =>
        pod.Engine = new EngineSnapshot { ReceivedAt = Clock.GetTimestamp(), RouterInFlightAtScrape = pod.InFlight, Running = running, Waiting = waiting };

    /// <summary>
    /// A scrape that just arrived with the engine's smoothed prefill work (prompt tokens per second); the router's
    /// tokens sent so far are the part already in it.
    /// </summary>
    public void ScrapedWork(Backend pod, double promptTokensPerSecond, double waiting = 0) =>
        pod.Engine = new EngineSnapshot
        {
            ReceivedAt = Clock.GetTimestamp(),
            RouterInFlightAtScrape = pod.InFlight,
            RouterPromptTokensAtScrape = pod.PromptTokensSent,
            Waiting = waiting,
            PromptTokensPerSecond = promptTokensPerSecond,
        };

    public void Dispose()
    {
        foreach (Backend pod in Pods)
        {
            pod.Dispose();
        }
    }
}
