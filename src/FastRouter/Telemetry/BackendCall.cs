using FastRouter.Discovery;

namespace FastRouter.Telemetry;

/// <summary>
/// One backend call in progress, as returned by <see cref="RouterMetrics.BackendCallStarted"/>: a small struct the
/// proxy keeps in a local and hands back by <c>ref</c>/<c>in</c>, so no per-call object is allocated.
/// </summary>
internal struct BackendCall
{
    public BackendCall(Backend pod, PodStats stats, string model, long startedAt)
    {
        Pod = pod;
        Stats = stats;
        Model = model;
        StartedAt = startedAt;
    }

    public Backend Pod { get; }

    internal PodStats Stats { get; }

    /// <summary>The route's model name ("" for the catch-all route): a bounded label.</summary>
    public string Model { get; }

    /// <summary>When the call was sent (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    public long StartedAt { get; }

    /// <summary>When the answer's headers arrived; 0 until <see cref="RouterMetrics.BackendFirstByte"/>.</summary>
    public long FirstByteAt { get; internal set; }

    /// <summary>True once <see cref="RouterMetrics.BackendCallCompleted"/> ran, so a second call is ignored.</summary>
    public bool Completed { get; internal set; }
}
