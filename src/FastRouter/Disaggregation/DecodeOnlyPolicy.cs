using FastRouter.Balancing;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Engines;
using FastRouter.Protocol;

namespace FastRouter.Disaggregation;

/// <summary>
/// Decides, once the decode pod is picked, whether a request is disaggregated or served by that decode pod alone
/// (docs/routing.md, "Decode-only"). Both ways out of the seed's prefill→decode contract are off by default, each
/// behind its own flag. Thread-safe, allocation-free: it only reads the options, the scan and the pods' figures.
/// </summary>
internal sealed class DecodeOnlyPolicy
{
    private readonly TimeProvider _time;
    private readonly long _shortUncachedBytes;
    private readonly bool _withoutPrefill;
    private readonly RouterOptions _options;
    private readonly long _freshTicks;

    public DecodeOnlyPolicy(RouterOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _time = time;

        // bytes / 4 < N is bytes < 4N for whole numbers: compared in bytes, no division per request.
        _shortUncachedBytes = (long)options.DecodeOnlyBelowTokens * RequestScan.BytesPerToken;
        _withoutPrefill = options.DecodeOnlyWithoutPrefill;
        _options = options;
        _freshTicks = Engines.EngineSnapshot.StaleAfterTicks(options.EngineStatsInterval, time.TimestampFrequency);
    }

    /// <summary>Whether any request can be served decode-only: when false, <see cref="Decide"/> always disaggregates.</summary>
    public bool Enabled => _shortUncachedBytes > 0 || _withoutPrefill;

    /// <summary>Whether a route without prefill pods is served decode-only rather than answered 503.</summary>
    public bool ServesWithoutPrefill => _withoutPrefill;

    /// <param name="scan">The request's scan: its prompt sizes and whether it continues a conversation.</param>
    /// <param name="decodeReason">Why the decode pod was picked: by affinity it likely served the previous turn.</param>
    /// <param name="prefill">The route's prefill pods (possibly none).</param>
    /// <param name="prefillExhausted">Every prefill attempt of this request failed and no retry is left.</param>
    public DisaggregationDecision Decide(RequestScan scan, PickReason decodeReason, Backend[] prefill, bool prefillExhausted)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(prefill);
        if (_shortUncachedBytes > 0 && UncachedBytes(scan, decodeReason) < _shortUncachedBytes)
        {
            // Checked first: such a request would go decode-only with every prefill pod idle, so that is its reason.
            return DisaggregationDecision.DecodeOnlyShortUncached;
        }

        if (_withoutPrefill && (prefillExhausted || !AnyPrefillCanTake(prefill)))
        {
            return DisaggregationDecision.DecodeOnlyNoPrefill;
        }

        return DisaggregationDecision.Disaggregated;
    }

    /// <summary>
    /// The prompt bytes the decode pod likely lacks: a later turn's new messages when the pod was picked by affinity
    /// (it served the turns before, whose prompt and answer are in its prefix cache), else the whole prompt.
    /// </summary>
    private static long UncachedBytes(RequestScan scan, PickReason decodeReason) =>
        scan.HasHistory && decodeReason == PickReason.Affinity ? scan.NewPromptBytes : scan.PromptBytes;

    /// <summary>True when one prefill pod is available (not ejected, its probe passing) and not saturated.</summary>
    private bool AnyPrefillCanTake(Backend[] prefill)
    {
        if (prefill.Length == 0)
        {
            return false;
        }

        long now = _time.GetTimestamp();
        for (int i = 0; i < prefill.Length; i++)
        {
            Backend pod = prefill[i];
            if (PodHealthTracker.IsAvailable(pod, now) && !FlowControl.PodSaturation.IsSaturated(pod, _options, now, _freshTicks))
            {
                return true;
            }
        }

        return false;
    }
}
