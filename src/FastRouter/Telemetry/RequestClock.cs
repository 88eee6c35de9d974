using System.Diagnostics;

namespace FastRouter.Telemetry;

/// <summary>
/// Splits one request's time into the router's own work and waiting (on a pod or on the client's socket), for
/// <c>fastrouter_router_time_seconds</c>. A mutable struct: keep it in a field (not an auto-property, which would
/// hand out copies) of the request's pooled state, or in a local of the method that owns the request; reset it
/// with <see cref="Start"/> per request. Not thread-safe: one request, one flow.
/// </summary>
internal struct RequestClock
{
    private long _waited;

    /// <summary>When the request arrived (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public long StartedAt { get; private set; }

    /// <summary>Starts the clock: step 0, the first line of <c>HandleAsync</c>.</summary>
    public static RequestClock Start() => new() { StartedAt = Stopwatch.GetTimestamp() };

    /// <summary>Starts a wait; pass the result to <see cref="EndWait"/> after the awaited backend or client I/O.</summary>
    public static long BeginWait() => Stopwatch.GetTimestamp();

    /// <summary>Adds the time since <paramref name="begunAt"/> to the waiting total.</summary>
    public void EndWait(long begunAt) => _waited += Stopwatch.GetTimestamp() - begunAt;

    public readonly TimeSpan Elapsed => Stopwatch.GetElapsedTime(StartedAt);

    /// <summary>Time spent waiting so far.</summary>
    public readonly TimeSpan Waited => TimeSpan.FromTicks((long)(_waited * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency)));

    /// <summary>
    /// <paramref name="elapsed"/> (this clock's <see cref="Elapsed"/>, read once by the caller) minus waiting: the
    /// router's own work (parsing, patching, picking, copying).
    /// </summary>
    public readonly TimeSpan RouterTime(TimeSpan elapsed)
    {
        TimeSpan own = elapsed - Waited;
        return own < TimeSpan.Zero ? TimeSpan.Zero : own;
    }
}
