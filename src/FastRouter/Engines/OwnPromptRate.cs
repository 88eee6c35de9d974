namespace FastRouter.Engines;

/// <summary>
/// This router's own prompt tokens per second to one pod (<see cref="Discovery.Backend.PromptTokensSent"/>), smoothed
/// like the engine's rate and sampled by <see cref="EngineStatsScraper"/> every interval whether the pod's scrape
/// succeeds or not: the prefill work figure of a pod whose <c>/metrics</c> never answered or went stale. One writer
/// (the scraper's loop), any number of lock-free readers.
/// </summary>
internal sealed class OwnPromptRate
{
    private long _tokensAtSample;
    private long _sampledAt;
    private bool _sampled;
    private double _perSecond = double.NaN;

    /// <summary>Tokens per second; NaN until two samples.</summary>
    public double PerSecond => Volatile.Read(ref _perSecond);

    /// <param name="tokensSent">The pod's <see cref="Discovery.Backend.PromptTokensSent"/> now.</param>
    /// <param name="now">A <see cref="TimeProvider"/> timestamp.</param>
    /// <param name="timestampFrequency">Its ticks per second.</param>
    /// <param name="smoothing">The moving average's time constant (<see cref="EngineSnapshot.WorkSmoothing"/>).</param>
    public void Sample(long tokensSent, long now, long timestampFrequency, TimeSpan smoothing)
    {
        if (_sampled)
        {
            double seconds = (now - _sampledAt) / (double)timestampFrequency;
            Volatile.Write(ref _perSecond, TokenRate.Fold(_perSecond, tokensSent - _tokensAtSample, seconds, smoothing));
        }

        _tokensAtSample = tokensSent;
        _sampledAt = now;
        _sampled = true;
    }
}
