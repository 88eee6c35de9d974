namespace FastRouter.FlowControl;

/// <summary>One client's use against --client-max-concurrent and --client-max-rps; guarded by its own lock.</summary>
internal sealed class ClientUsage
{
    public readonly Lock Gate = new();
    public int InFlight;

    /// <summary>The token bucket of --client-max-rps: requests it may start now, up to one second's worth.</summary>
    public double Tokens;

    /// <summary><see cref="TimeProvider"/> timestamp of the last refill, and of the last use (for the sweep of idle clients).</summary>
    public long RefilledAt;
}
