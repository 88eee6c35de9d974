namespace FastRouter.Balancing;

/// <summary>
/// One pod's health as the router sees it: passive (consecutive failures, ejection until a time) and active
/// (its last /health probe). Updated lock-free by <see cref="PodHealthTracker"/>; read on every pick.
/// </summary>
internal sealed class BackendHealth
{
    // Written with Interlocked/Volatile by PodHealthTracker; fields rather than properties so they can be.
    internal int ConsecutiveFailures;
    internal int Ejections;
    internal long EjectedUntil;
    private volatile bool _probeFailing;

    /// <summary>True while the pod's last active /health probe failed.</summary>
    public bool IsProbeFailing
    {
        get => _probeFailing;
        internal set => _probeFailing = value;
    }

    /// <summary>The <see cref="TimeProvider"/> timestamp until which the pod is ejected; 0 when it never was.</summary>
    public long EjectedUntilTimestamp => Volatile.Read(ref EjectedUntil);

    /// <summary>How many times in a row the pod has been ejected without a success in between.</summary>
    public int EjectionCount => Volatile.Read(ref Ejections);
}
