using System.Diagnostics.CodeAnalysis;
using FastRouter.Configuration;
using FastRouter.Discovery;

namespace FastRouter.Balancing;

/// <summary>
/// Picks one pod of a role. Candidates are the healthy pods not yet tried by this request; when none is
/// healthy, every untried pod ("healthy or panic": better to try a doubtful pod than refuse everything); a pod
/// already tried only when no other exists. Among candidates, by --pod-selection: rendezvous hashing of the request's
/// affinity key under a load bound (affinity), power of two choices on the load estimate (least-load) or on requests
/// in flight (least-in-flight), or round robin. Lock-free and allocation-free for fleets up to 256 pods per role.
/// </summary>
internal sealed class PodPicker
{
    private const int StackLimit = 256;

    private readonly RouterOptions _options;
    private readonly PodSelection _selection;
    private readonly double _loadBound;
    private readonly PodHealthTracker _health;
    private readonly LoadEstimate _load;
    private readonly Random _random;
    private readonly Telemetry.RouterMetrics? _metrics;

    public PodPicker(RouterOptions options, PodHealthTracker health, Random? random = null, Telemetry.RouterMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(health);
        _options = options;
        _selection = options.PodSelection;
        _loadBound = 1 + options.LoadBound;
        _health = health;
        _load = new LoadEstimate(options.EngineStatsInterval, health.TimestampFrequency);
        _random = random ?? Random.Shared;
        _metrics = metrics;
    }

    /// <summary>The load estimate the policies weigh pods by.</summary>
    public LoadEstimate Load => _load;

    /// <param name="candidates">The role's pods that serve the model.</param>
    /// <param name="roundRobin">The route's round-robin position for this role.</param>
    /// <param name="tried">Pods this request already used for this role (null on a first attempt).</param>
    /// <param name="keys">The request's keys and prompt size.</param>
    /// <param name="reason">Why the pod was picked, for the pick metrics and the request's log.</param>
    public Backend? Pick(Backend[] candidates, ref int roundRobin, List<Backend>? tried, in PickKeys keys, out PickReason reason)
    {
        int count = candidates.Length;
        reason = PickReason.OnlyChoice;
        if (count == 0)
        {
            return null;
        }

        Backend picked;
        if (count == 1 && tried is null)
        {
            picked = candidates[0];
        }
        else
        {
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

            picked = Choose(candidates, eligible[..eligibleCount], ref roundRobin, keys, now, out reason);
        }

        if (keys.PromptTokens > 0 && picked.Role == BackendRole.Prefill)
        {
            picked.CountPromptTokensSent(keys.PromptTokens);
        }

        _metrics?.PodPicked(picked.Role, reason);
        return picked;
    }

    private Backend Choose(Backend[] candidates, ReadOnlySpan<int> eligible, ref int roundRobin, in PickKeys keys, long now, out PickReason reason)
    {
        reason = PickReason.OnlyChoice;
        if (eligible.Length == 1)
        {
            return candidates[eligible[0]];
        }

        switch (_selection)
        {
            case PodSelection.RoundRobin:
                reason = PickReason.RoundRobin;
                uint next = (uint)Interlocked.Increment(ref roundRobin);
                return candidates[eligible[(int)(next % (uint)eligible.Length)]];

            case PodSelection.Affinity when keys.Order != 0:
                return candidates[eligible[0]].Role == BackendRole.Prefill && TryChooseByWork(candidates, eligible, keys, now, out Backend? byWork, out reason)
                    ? byWork
                    : ChooseByAffinity(candidates, eligible, keys.Order, now, out reason);

            case PodSelection.LeastInFlight:
                reason = PickReason.LeastLoad;
                return TwoChoices(candidates, eligible, now, engineAware: false);

            default:
                reason = PickReason.LeastLoad;
                return TwoChoices(candidates, eligible, now, engineAware: true);
        }
    }

    /// <summary>
    /// The first pod in the key's rendezvous order whose load, with this request, stays within the bound
    /// <c>ceil((1 + ε) × (sum of loads + 1) / pods)</c>: the highest weight among the pods under the bound, found in one
    /// pass. Some pod always is (the least loaded one is at most the mean), so a hot key spills down its own order,
    /// the same order in every replica, rather than onto whichever pod looked idle.
    /// </summary>
    private Backend ChooseByAffinity(Backend[] candidates, ReadOnlySpan<int> eligible, ulong affinityKey, long now, out PickReason reason)
    {
        Span<long> loads = eligible.Length <= StackLimit ? stackalloc long[eligible.Length] : new long[eligible.Length];
        long sum = 0;
        for (int i = 0; i < eligible.Length; i++)
        {
            long load = _load.Of(candidates[eligible[i]], now);
            loads[i] = load;
            sum += load;
        }

        long bound = (long)Math.Ceiling(_loadBound * (sum + 1) / eligible.Length);
        int best = -1;
        ulong bestWeight = 0;
        int leastLoaded = 0;
        for (int i = 0; i < eligible.Length; i++)
        {
            if (loads[i] < loads[leastLoaded])
            {
                leastLoaded = i;
            }

            if (loads[i] + 1 > bound)
            {
                continue;
            }

            ulong weight = Rendezvous.Weight(affinityKey, candidates[eligible[i]].NameHash);
            if (best < 0 || weight > bestWeight)
            {
                best = i;
                bestWeight = weight;
            }
        }

        // Unreachable with whole loads; kept so a rounding surprise still picks a pod.
        best = best < 0 ? leastLoaded : best;
        Backend chosen = candidates[eligible[best]];
        reason = IsFirstInOrder(candidates, chosen, affinityKey, bestWeight) ? PickReason.Affinity : PickReason.Spilled;
        return chosen;
    }

    /// <summary>
    /// Prefill's bound, on work rather than requests: the prefix key's first pod not saturated by its engine's queue
    /// (--saturation-*) if its recent prefill work (<see cref="LoadEstimate.WorkOf"/>, prompt tokens per second) is at
    /// most the request's bound, between (1 + ε/2) and (1 + ε) × the mean of the pods not saturated; otherwise the
    /// first pod within that bound in the conversation key's order. A prefill served from cache is short, so the
    /// requests in flight to a busy prefill pod are mostly 0 or 1 and a bound on them spills nearly at random; the
    /// tokens a pod is asked for over some seconds are its share of the role's traffic. The least loaded pod is never above the mean, so some pod always passes. False
    /// when some pod has no work figure yet (its first scrape, an engine without the counter): the request bound
    /// decides instead.
    /// </summary>
    private bool TryChooseByWork(Backend[] candidates, ReadOnlySpan<int> eligible, in PickKeys keys, long now,
        [NotNullWhen(true)] out Backend? chosen, out PickReason reason)
    {
        ulong affinityKey = keys.Order;
        chosen = null;
        reason = PickReason.Affinity;
        Span<double> work = eligible.Length <= StackLimit ? stackalloc double[eligible.Length] : new double[eligible.Length];
        Span<bool> saturated = eligible.Length <= StackLimit ? stackalloc bool[eligible.Length] : new bool[eligible.Length];
        double sum = 0;
        double everySum = 0;
        int roomy = 0;

        // The prefix key's first pod among those not saturated, and among all (if every pod is saturated, they all
        // count again), found in the same pass.
        int home = -1;
        int homeOfAll = -1;
        ulong homeWeight = 0;
        ulong homeOfAllWeight = 0;
        for (int i = 0; i < eligible.Length; i++)
        {
            Backend pod = candidates[eligible[i]];
            double podWork = _load.WorkOf(pod, now);
            if (double.IsNaN(podWork))
            {
                return false;
            }

            work[i] = podWork;
            everySum += podWork;
            saturated[i] = FlowControl.PodSaturation.IsSaturated(pod, _options, now, _load.StaleAfterTicks);
            ulong weight = Rendezvous.Weight(affinityKey, pod.NameHash);
            if (homeOfAll < 0 || weight > homeOfAllWeight)
            {
                homeOfAll = i;
                homeOfAllWeight = weight;
            }

            if (!saturated[i])
            {
                sum += podWork;
                roomy++;
                if (home < 0 || weight > homeWeight)
                {
                    home = i;
                    homeWeight = weight;
                }
            }
        }

        // The request's own bound, between (1 + ε/2) and (1 + ε) × the mean, placed by its prefix key and its
        // conversation key together: when a pod is over its share, the conversations of its lowest-placed prefix keys
        // leave it first, whole (every turn, in every replica), and as its work drifts the share that leaves changes
        // a conversation at a time. A sharp threshold per prefix key instead would move whole keys back and forth as
        // the average follows them, each move a prompt computed afresh on a pod that had evicted it.
        double place = keys.Spread == 0
            ? Rendezvous.KeyFraction(affinityKey)
            : (Rendezvous.KeyFraction(affinityKey) + Rendezvous.KeyFraction(keys.Spread)) / 2;
        bool anyRoom = roomy > 0;
        double mean = anyRoom ? sum / roomy : everySum / eligible.Length;
        double bound = mean * (1 + ((_loadBound - 1) * (1 + place) / 2));
        if (!anyRoom)
        {
            home = homeOfAll;
            homeWeight = homeOfAllWeight;
        }

        // The prefix key's first pod takes the request if its work is within the request's bound.
        if (work[home] <= bound)
        {
            chosen = candidates[eligible[home]];
            reason = IsFirstInOrder(candidates, chosen, affinityKey, homeWeight) ? PickReason.Affinity : PickReason.Spilled;
            return true;
        }

        // Spilled: the first pod within the bound in the conversation's own order (the prefix key's when there is
        // none). A hot prefix's overflow then spreads evenly over the other pods, each conversation to the same one
        // every turn, rather than filling the prefix's second pod, then its third, each to the brim: a fleet of
        // pods at the bound beside one far below it, and a spill point at every brim where conversations move.
        ulong spillKey = keys.Spread == 0 ? affinityKey : keys.Spread;
        int best = -1;
        ulong bestWeight = 0;
        for (int i = 0; i < eligible.Length; i++)
        {
            if (i == home || (anyRoom && saturated[i]) || work[i] > bound)
            {
                continue;
            }

            ulong weight = Rendezvous.Weight(spillKey, candidates[eligible[i]].NameHash);
            if (best < 0 || weight > bestWeight)
            {
                best = i;
                bestWeight = weight;
            }
        }

        if (best < 0)
        {
            // Only a rounding surprise gets here (the least loaded pod is at most the mean).
            return false;
        }

        chosen = candidates[eligible[best]];
        reason = PickReason.Spilled;
        return true;
    }

    /// <summary>Whether no candidate, eligible or not (ejected, tried, over the bound), outranks the chosen pod for the key.</summary>
    private static bool IsFirstInOrder(Backend[] candidates, Backend chosen, ulong affinityKey, ulong chosenWeight)
    {
        for (int i = 0; i < candidates.Length; i++)
        {
            Backend pod = candidates[i];
            if (!ReferenceEquals(pod, chosen) && Rendezvous.Weight(affinityKey, pod.NameHash) > chosenWeight)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Power of two choices: two distinct pods at random, the less loaded one.</summary>
    private Backend TwoChoices(Backend[] candidates, ReadOnlySpan<int> eligible, long now, bool engineAware)
    {
        int first = _random.Next(eligible.Length);
        int second = _random.Next(eligible.Length - 1);
        if (second >= first)
        {
            second++;
        }

        Backend a = candidates[eligible[first]];
        Backend b = candidates[eligible[second]];
        if (!engineAware)
        {
            return b.InFlight < a.InFlight ? b : a;
        }

        return _load.Of(b, now) < _load.Of(a, now) ? b : a;
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
