using BenchmarkDotNet.Attributes;
using FastRouter.Balancing;
using FastRouter.Configuration;
using FastRouter.Disaggregation;
using FastRouter.Discovery;
using FastRouter.Engines;
using FastRouter.Protocol;

namespace FastRouter.Benchmarks;

/// <summary>
/// What deciding costs a request (<see cref="DecodeOnlyPolicy.Decide"/>), both flags on, against 8 prefill pods with
/// fresh engine figures: the estimate, then the prefill pods' availability and queues. <see cref="Saturated"/> makes
/// every pod's queue long, so every pod is looked at (the worst case); otherwise the first one can take the request.
/// </summary>
[MemoryDiagnoser]
public class DecodeOnlyPolicyBenchmarks
{
    private const int Decisions = 1_000;

    private readonly RequestScan _scan = new() { PromptBytes = 8_000, NewPromptBytes = 8_000 };
    private DecodeOnlyPolicy _policy = null!;
    private Backend[] _prefill = [];

    [Params(false, true)]
    public bool Saturated { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = new RouterOptions { DecodeOnlyBelowTokens = 256, DecodeOnlyWithoutPrefill = true, EngineStatsInterval = TimeSpan.FromHours(1) };
        _policy = new DecodeOnlyPolicy(options, TimeProvider.System);
        _prefill = Enumerable.Range(0, 8)
            .Select(i => new Backend(new Uri("http://10.0.0." + (i + 1) + ":8000"), BackendRole.Prefill, null, new HttpMessageInvoker(new SocketsHttpHandler())))
            .ToArray();
        foreach (Backend pod in _prefill)
        {
            pod.Engine = new EngineSnapshot { ReceivedAt = TimeProvider.System.GetTimestamp(), RouterInFlightAtScrape = 0, Waiting = Saturated ? 50 : 0 };
        }
    }

    [Benchmark(OperationsPerInvoke = Decisions)]
    public int Decide()
    {
        int decodeOnly = 0;
        for (int i = 0; i < Decisions; i++)
        {
            decodeOnly += _policy.Decide(_scan, PickReason.Affinity, _prefill, prefillExhausted: false) == DisaggregationDecision.Disaggregated ? 0 : 1;
        }

        return decodeOnly;
    }
}
