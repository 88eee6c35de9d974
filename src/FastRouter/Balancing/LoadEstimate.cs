using FastRouter.Discovery;
using FastRouter.Engines;

namespace FastRouter.Balancing;

/// <summary>
/// A pod's load as the pickers weigh it: what its engine last said it runs and queues (the part every router replica
/// sees alike, up to one scrape old) plus the requests this router sent it since that scrape (fresh, its own). With
/// no snapshot, or one older than three scrape intervals (the scraper failing or off), this router's own in-flight
/// count alone, the signal before engine stats existed.
/// </summary>
internal sealed class LoadEstimate
{
    private readonly long _staleAfter;
    private readonly double _smoothingSeconds;

    /// <param name="engineStatsInterval">--engine-stats-interval: a snapshot is fresh for three of them.</param>
    /// <param name="timestampFrequency">The <see cref="TimeProvider"/>'s ticks per second, the unit of snapshot timestamps.</param>
    public LoadEstimate(TimeSpan engineStatsInterval, long timestampFrequency)
    {
        _staleAfter = EngineSnapshot.StaleAfterTicks(engineStatsInterval, timestampFrequency);
        _smoothingSeconds = EngineSnapshot.WorkSmoothing(engineStatsInterval).TotalSeconds;
    }

    /// <summary>The tick count after which a snapshot no longer counts.</summary>
    public long StaleAfterTicks => _staleAfter;

    /// <summary>
    /// The pod's recent prefill work at <paramref name="now"/>, in prompt tokens per second: its engine's smoothed
    /// rate (<see cref="EngineSnapshot.PromptTokensPerSecond"/>, what every replica sees alike) plus the
    /// tokens this router sent it since that scrape spread over the smoothing window (fresh, its own). Without a
    /// fresh engine rate (its /metrics failing, stale, or never answered), this router's own tokens per second to it
    /// (<see cref="OwnPromptRate"/>), the same measure from this router's side alone. NaN while neither exists
    /// (the first intervals, or engine stats off): then work cannot be compared.
    /// </summary>
    public double WorkOf(Backend pod, long now)
    {
        EngineSnapshot? engine = pod.Engine;
        if (engine is null || double.IsNaN(engine.PromptTokensPerSecond) || !engine.IsFreshAt(now, _staleAfter))
        {
            return pod.OwnPromptRate.PerSecond;
        }

        double sent = pod.PromptTokensSent - engine.RouterPromptTokensAtScrape;
        return engine.PromptTokensPerSecond + (sent / _smoothingSeconds);
    }

    /// <summary>The pod's load at <paramref name="now"/> (a <see cref="TimeProvider"/> timestamp), in requests.</summary>
    public long Of(Backend pod, long now)
    {
        int inFlight = pod.InFlight;
        EngineSnapshot? engine = pod.Engine;
        if (engine is null || !engine.IsFreshAt(now, _staleAfter))
        {
            return inFlight;
        }

        double engineLoad = Count(engine.Running) + Count(engine.Waiting);
        return (long)Math.Round(engineLoad) + Math.Max(0, inFlight - engine.RouterInFlightAtScrape);
    }

    // A gauge the engine did not export reads NaN: it adds nothing rather than poisoning the sum.
    private static double Count(double gauge) => double.IsFinite(gauge) && gauge > 0 ? gauge : 0;
}
