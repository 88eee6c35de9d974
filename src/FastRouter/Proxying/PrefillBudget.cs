using System.Diagnostics;

namespace FastRouter.Proxying;

/// <summary>
/// The time every prefill attempt of one request may take together (--prefill-timeout), and how it is shared out.
/// Each attempt that may still be followed by a retry gets half of what is left, the last gets all of it: a hung
/// pod costs half the budget and leaves the other half for a failover, a pod failing fast costs nothing, and one
/// slow but healthy prefill still gets half the budget rather than a third or less. With the defaults (300 s, 2
/// retries) the attempts get 150 s, 75 s and 75 s: a request waits at most 300 s for prefill, never 300 s per try.
/// Only the prefill legs' own time is spent, so a decode that fails and redoes the flow does not shrink it.
/// </summary>
internal struct PrefillBudget
{
    private TimeSpan _left;

    public PrefillBudget(TimeSpan total) => _left = total;

    /// <summary>
    /// The timeout of the next attempt; <paramref name="isLast"/> when no retry may follow it. Whole milliseconds, so
    /// logs and errors show a readable figure.
    /// </summary>
    public readonly TimeSpan NextAttempt(bool isLast)
    {
        TimeSpan share = isLast ? _left : _left / 2;
        return TimeSpan.FromMilliseconds(Math.Floor(share.TotalMilliseconds));
    }

    /// <summary>Takes the time an attempt started at <paramref name="startedAt"/> (a <see cref="Stopwatch"/> timestamp) took.</summary>
    public void Spend(long startedAt)
    {
        _left -= Stopwatch.GetElapsedTime(startedAt);
        if (_left < TimeSpan.Zero)
        {
            _left = TimeSpan.Zero;
        }
    }
}
