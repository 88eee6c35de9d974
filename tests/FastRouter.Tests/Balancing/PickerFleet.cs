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
    public PickerFleet(int pods, PodSelection selection = PodSelection.Affinity, double loadBound = 0.25, int seed = 1, bool reversed = false)
    {
        Clock = new ManualTimeProvider();
        Options = new RouterOptions { PodSelection = selection, LoadBound = loadBound, EngineStatsInterval = TimeSpan.FromSeconds(1) };
        Health = new PodHealthTracker(Options, Clock, NullLogger<PodHealthTracker>.Instance);
        Picker = new PodPicker(Options, Health, new Random(seed));
        Pods = new Backend[pods];
        for (int i = 0; i < pods; i++)
        {
            int n = reversed ? pods - 1 - i : i;
            Pods[i] = new Backend(new Uri("http://10.0.0." + (n + 1) + ":8000"), BackendRole.Decode, null, new HttpMessageInvoker(new SocketsHttpHandler()));
        }
    }

    public ManualTimeProvider Clock { get; }

    public RouterOptions Options { get; }

    public PodHealthTracker Health { get; }

    public PodPicker Picker { get; }

    public Backend[] Pods { get; }

    public int RoundRobin;

    public Backend Pick(ulong key, out PickReason reason, List<Backend>? tried = null) => Picker.Pick(Pods, ref RoundRobin, tried, key, out reason)!;

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

    public void Dispose()
    {
        foreach (Backend pod in Pods)
        {
            pod.Dispose();
        }
    }
}
