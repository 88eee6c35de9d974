using System.Diagnostics.Metrics;
using FastRouter.Disaggregation;

namespace FastRouter.Telemetry;

/// <summary>How each request was served: prefill→decode, or the decode pod alone and why (docs/routing.md, "Decode-only").</summary>
internal sealed partial class RouterMetrics
{
    private readonly Counter<long> _disaggregationDecisions;

    /// <summary>
    /// In <c>HandleAsync</c>'s <c>finally</c>, once per request that reached step 5 (a decode pod was picked), with the
    /// decision that served it: so disaggregated requests are counted too, and the decode-only share is readable.
    /// </summary>
    public void DisaggregationDecided(DisaggregationDecision decision) =>
        _disaggregationDecisions.Add(
            1,
            new KeyValuePair<string, object?>(MetricLabels.Decision, MetricLabels.DecisionOf(decision)),
            new KeyValuePair<string, object?>(MetricLabels.Reason, MetricLabels.ReasonOf(decision)));

    private Counter<long> CreateDisaggregationDecisions() =>
        _meter.CreateCounter<long>(
            "fastrouter.disaggregation_decisions",
            "{request}",
            "Requests by how they were served: disaggregated (prefill then decode, reason default) or decode_only (the decode pod alone; reason short_uncached under --decode-only-below-tokens, no_prefill under --decode-only-without-prefill).");
}
