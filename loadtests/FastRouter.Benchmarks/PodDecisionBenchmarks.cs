using BenchmarkDotNet.Attributes;
using FastRouter.Balancing;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Engines;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastRouter.Benchmarks;

/// <summary>
/// One pick's decision, single-threaded: rendezvous hashing with bounded load (affinity, the default: on prefill work
/// for prefill pods, on requests for decode pods) against power of two choices on in-flight counts, among
/// <see cref="Pods"/> healthy pods whose engine snapshots are fresh and unequal, for a different affinity key each
/// pick. Time and allocation are per pick.
/// </summary>
[MemoryDiagnoser]
public class PodDecisionBenchmarks
{
    private const int Picks = 1024;

    private readonly ulong[] _keys = new ulong[Picks];
    private Backend[] _pods = [];
    private PodPicker _picker = null!;
    private int _roundRobin;

    [Params(4, 64)]
    public int Pods { get; set; }

    /// <summary>affinity-prefill, affinity-decode or least-in-flight.</summary>
    [Params("affinity-prefill", "affinity-decode", "least-in-flight")]
    public string Policy { get; set; } = "affinity-prefill";

    [GlobalSetup]
    public void Setup()
    {
        // Snapshots stay fresh for the whole run: the benchmark weighs the engine-aware path, not its fallback.
        var options = new RouterOptions
        {
            PodSelection = Policy.StartsWith("affinity", StringComparison.Ordinal) ? PodSelection.Affinity : PodSelection.LeastInFlight,
            EngineStatsInterval = TimeSpan.FromHours(1),
        };
        var health = new PodHealthTracker(options, TimeProvider.System, NullLogger<PodHealthTracker>.Instance);
        _pods = new Backend[Pods];
        for (int i = 0; i < Pods; i++)
        {
            BackendRole role = Policy == "affinity-prefill" ? BackendRole.Prefill : BackendRole.Decode;
            _pods[i] = new Backend(new Uri("http://10.0." + (i / 250) + "." + (i % 250 + 1) + ":8000"), role, null, new HttpMessageInvoker(new SocketsHttpHandler()));
            _pods[i].Engine = new EngineSnapshot
            {
                ReceivedAt = TimeProvider.System.GetTimestamp(),
                RouterInFlightAtScrape = 0,
                Running = i % 5,
                Waiting = i % 3,
                PromptTokensPerSecond = 1000 * (i % 7),
            };
        }

        var random = new Random(42);
        for (int i = 0; i < Picks; i++)
        {
            _keys[i] = (ulong)random.NextInt64() | 1;
        }

        _picker = new PodPicker(options, health, new Random(1));
    }

    [Benchmark(OperationsPerInvoke = Picks)]
    public int Pick()
    {
        // The picks' reasons summed, so the loop's result is used.
        int sum = 0;
        for (int i = 0; i < Picks; i++)
        {
            _picker.Pick(_pods, ref _roundRobin, null, new PickKeys(_keys[i], _keys[(i + 1) % Picks], 1600), out PickReason reason);
            sum += (int)reason;
        }

        return sum;
    }
}
