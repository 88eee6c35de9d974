namespace FastRouter.LoadTests.Running;

/// <summary>
/// Counts of every request of the run, warm-up included, for the progress line. Updated with Interlocked from
/// any worker; the histograms (measured phase only) live in the lanes.
/// </summary>
internal sealed class RunCounters
{
    private long _sent;
    private long _succeeded;
    private long _failed;
    private long _cancelled;
    private long _inFlight;

    public long Sent => Interlocked.Read(ref _sent);

    public long Succeeded => Interlocked.Read(ref _succeeded);

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Requests cut by the end of the run (drain timeout, Ctrl+C).</summary>
    public long Cancelled => Interlocked.Read(ref _cancelled);

    public long InFlight => Interlocked.Read(ref _inFlight);

    public void OnSent()
    {
        Interlocked.Increment(ref _sent);
        Interlocked.Increment(ref _inFlight);
    }

    public void OnSucceeded() => Finish(ref _succeeded);

    public void OnFailed() => Finish(ref _failed);

    public void OnCancelled() => Finish(ref _cancelled);

    private void Finish(ref long counter)
    {
        Interlocked.Increment(ref counter);
        Interlocked.Decrement(ref _inFlight);
    }
}
