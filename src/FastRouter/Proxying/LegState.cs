using System.Diagnostics;
using FastRouter.Discovery;
using FastRouter.Telemetry;

namespace FastRouter.Proxying;

/// <summary>
/// One call to a pod for one leg, from <c>BeginLeg</c> to <c>EndLeg</c>: its request, timeout, metrics record and
/// span, and what it taught about the pod. A struct kept in the leg method's local, so a leg allocates no state of
/// its own; the method sets <see cref="Outcome"/>, <see cref="Status"/> and <see cref="PodFailed"/> as it learns them.
/// </summary>
internal struct LegState
{
    public Backend Pod;
    public SegmentedContent Content;
    public HttpRequestMessage Request;

    /// <summary>Cancelled by the leg's timer, and through <see cref="ClientAbort"/> by the client's abort.</summary>
    public CancellationTokenSource Timeout;

    /// <summary>
    /// The client's abort hooked to the call by hand rather than linked, so the prefill leg can unhook it once the
    /// pod answers and keep the timer (a linked source cannot be unlinked; a second source would cost its own timer).
    /// </summary>
    public CancellationTokenRegistration ClientAbort;

    public BackendCall Call;
    public Activity? Span;
    public long WaitStartedAt;

    /// <summary>The call failed through the pod's fault (transport, 5xx, timeout, a broken stream).</summary>
    public bool PodFailed;

    public BackendOutcome Outcome;

    /// <summary>The pod's status code; 0 when it never answered.</summary>
    public int Status;
}
