using FastRouter.Configuration;
using FastRouter.Discovery;

namespace FastRouter.Balancing;

/// <summary>
/// Picks one pod of a role. Candidates are the healthy pods not yet tried by this request; when none is
/// healthy, every untried pod ("healthy or panic": better to try a doubtful pod than refuse everything); a pod
/// already tried only when no other exists. Among candidates: power of two choices on in-flight requests, or
/// round robin. Lock-free and allocation-free for fleets up to 256 pods per role.
/// </summary>
internal sealed class PodPicker
{
    private const int StackLimit = 256;

    private readonly PodSelection _selection;
    private readonly PodHealthTracker _health;
    private readonly Random _random;

    public PodPicker(RouterOptions options, PodHealthTracker health, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _selection = options.PodSelection;
        _health = health;
        _random = random ?? Random.Shared;
    }

    /// <param name="candidates">The role's pods that serve the model.</param>
    /// <param name="roundRobin">The route's round-robin position for this role.</param>
    /// <param name="tried">Pods this request already used for this role (null on a first attempt).</param>
    /// <param name="affinityKey">The request's affinity key (<see cref="Protocol.RequestScan.AffinityKey"/>); 0 for none.</param>
    /// <param name="reason">Why the pod was picked, for the pick metrics and the request's log.</param>
    public Backend? Pick(Backend[] candidates, ref int roundRobin, List<Backend>? tried, ulong affinityKey, out PickReason reason)
    {
        int count = candidates.Length;
        reason = PickReason.OnlyChoice;
        if (count == 0)
        {
            return null;
        }

        if (count == 1 && tried is null)
        {
            return candidates[0];
        }

        long now = _health.Now;
        Span<int> eligible = count <= StackLimit ? stackalloc int[count] : new int[count];
        int eligibleCount = Collect(candidates, tried, now, healthyOnly: true, eligible);
        if (eligibleCount == 0)
        {
            eligibleCount = Collect(candidates, tried, now, healthyOnly: false, eligible);
        }

        if (eligibleCount == 0)
        {
            // Every pod was tried already: the same pod twice is better than no answer.
            eligibleCount = Collect(candidates, null, now, healthyOnly: false, eligible);
        }

        return Choose(candidates, eligible[..eligibleCount], ref roundRobin, out reason);
    }

    private Backend Choose(Backend[] candidates, ReadOnlySpan<int> eligible, ref int roundRobin, out PickReason reason)
    {
        reason = PickReason.OnlyChoice;
        if (eligible.Length == 1)
        {
            return candidates[eligible[0]];
        }

        if (_selection == PodSelection.RoundRobin)
        {
            reason = PickReason.RoundRobin;
            uint next = (uint)Interlocked.Increment(ref roundRobin);
            return candidates[eligible[(int)(next % (uint)eligible.Length)]];
        }

        // Power of two choices: two distinct pods at random, the one with fewer requests in flight.
        reason = PickReason.LeastLoad;
        int first = _random.Next(eligible.Length);
        int second = _random.Next(eligible.Length - 1);
        if (second >= first)
        {
            second++;
        }

        Backend a = candidates[eligible[first]];
        Backend b = candidates[eligible[second]];
        return b.InFlight < a.InFlight ? b : a;
    }

    private static int Collect(Backend[] candidates, List<Backend>? tried, long now, bool healthyOnly, Span<int> eligible)
    {
        int count = 0;
        for (int i = 0; i < candidates.Length; i++)
        {
            Backend backend = candidates[i];
            if ((healthyOnly && !PodHealthTracker.IsAvailable(backend, now)) || (tried is not null && tried.Contains(backend)))
            {
                continue;
            }

            eligible[count++] = i;
        }

        return count;
    }
}
