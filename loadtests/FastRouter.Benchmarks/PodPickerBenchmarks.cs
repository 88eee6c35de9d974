using BenchmarkDotNet.Attributes;
using FastRouter.Balancing;
using FastRouter.Configuration;
using FastRouter.Discovery;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastRouter.Benchmarks;

/// <summary>
/// The pod picker under contention: <see cref="Threads"/> threads each pick a pod (power of two choices on
/// in-flight counts, or round robin) among 8 healthy pods, reserve it and release it, as the hot path does, all
/// against the same pods and the same round-robin counter. Time and allocation are per pick.
/// </summary>
[MemoryDiagnoser]
public class PodPickerBenchmarks
{
    private const int PicksPerThread = 20_000;

    private Backend[] _pods = [];
    private PodPicker _picker = null!;
    private int _roundRobin;

    [Params(1, 2, 4)]
    public int Threads { get; set; }

    /// <summary>Power of two choices on in-flight counts, or round robin (PodDecisionBenchmarks weighs affinity).</summary>
    [Params(true, false)]
    public bool LeastInFlight { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = new RouterOptions { PodSelection = LeastInFlight ? PodSelection.LeastInFlight : PodSelection.RoundRobin };
        var health = new PodHealthTracker(options, TimeProvider.System, NullLogger<PodHealthTracker>.Instance);
        _pods = Enumerable.Range(0, 8)
            .Select(i => new Backend(new Uri("http://10.0.0." + (i + 1) + ":8000"), BackendRole.Decode, null, new HttpMessageInvoker(new SocketsHttpHandler())))
            .ToArray();
        _picker = new PodPicker(options, health);
    }

    [Benchmark(OperationsPerInvoke = PicksPerThread)]
    public void PickReserveRelease()
    {
        if (Threads == 1)
        {
            Run();
            return;
        }

        var threads = new Thread[Threads];
        for (int t = 0; t < threads.Length; t++)
        {
            threads[t] = new Thread(Run);
            threads[t].Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }
    }

    private void Run()
    {
        for (int i = 0; i < PicksPerThread; i++)
        {
            Backend? pod = _picker.Pick(_pods, ref _roundRobin, null, default, out _);
            pod!.Reserve();
            pod.Release();
        }
    }
}
