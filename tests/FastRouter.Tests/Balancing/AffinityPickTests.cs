using FastRouter.Balancing;
using FastRouter.Configuration;
using FastRouter.Discovery;

namespace FastRouter.Tests.Balancing;

/// <summary>Rendezvous hashing with bounded load on hand-made pod states.</summary>
public sealed class AffinityPickTests
{
    private static ulong Key(int i) => unchecked((ulong)(i + 1) * 0x9E3779B97F4A7C15UL);

    [Fact]
    public void AKey_GoesToTheSamePod_EveryTime_AndKeysSpreadOverThePods()
    {
        using var fleet = new PickerFleet(4);
        var used = new HashSet<string>();
        for (int i = 0; i < 200; i++)
        {
            Backend first = fleet.Pick(Key(i), out PickReason reason);
            Assert.Equal(PickReason.Affinity, reason);
            Assert.Same(first, fleet.Pick(Key(i)));
            used.Add(first.Name);
        }

        Assert.Equal(4, used.Count);
    }

    [Fact]
    public void TwoPickers_OverTheSamePodsListedInAnotherOrder_ChooseAlike()
    {
        using var one = new PickerFleet(5, seed: 1);
        using var two = new PickerFleet(5, seed: 2, reversed: true);
        Assert.NotEqual(one.Pods[0].Name, two.Pods[0].Name);

        // Loaded alike too, so the bound spills alike.
        PickerFleet.Load(one.Named("http://10.0.0.3:8000"), 4);
        PickerFleet.Load(two.Named("http://10.0.0.3:8000"), 4);
        for (int i = 0; i < 200; i++)
        {
            Backend a = one.Pick(Key(i), out PickReason reasonA);
            Backend b = two.Pick(Key(i), out PickReason reasonB);
            Assert.Equal(a.Name, b.Name);
            Assert.Equal(reasonA, reasonB);
        }
    }

    [Fact]
    public void AHotKey_SpillsInTheKeysOwnOrder_OnceItsPodIsOverTheBound()
    {
        using var fleet = new PickerFleet(4);
        ulong key = Key(7);
        Backend first = fleet.Pick(key);
        Backend second = fleet.Pick(key, out _, [first]);
        Backend third = fleet.Pick(key, out _, [first, second]);
        Assert.Equal(3, new HashSet<Backend> { first, second, third }.Count);

        // 4 pods, ε 0.25: with 2 requests on the first pod the bound is ceil(1.25 × 3 / 4) = 1, and 2 + 1 > 1.
        PickerFleet.Load(first, 2);
        Assert.Same(second, fleet.Pick(key, out PickReason reason));
        Assert.Equal(PickReason.Spilled, reason);

        // The second over the bound as well (sum 4, bound ceil(1.25 × 5 / 4) = 2): the third.
        PickerFleet.Load(second, 2);
        Assert.Same(third, fleet.Pick(key, out reason));
        Assert.Equal(PickReason.Spilled, reason);

        // Once the others catch up, the bound grows past the first pod's load: it is the key's again.
        foreach (Backend pod in fleet.Pods)
        {
            PickerFleet.Load(pod, pod == first || pod == second ? 0 : 2);
        }

        Assert.Same(first, fleet.Pick(key, out reason));
        Assert.Equal(PickReason.Affinity, reason);
    }

    [Fact]
    public void APodOverItsBound_TakesNothingMore_WhateverTheKey()
    {
        using var fleet = new PickerFleet(4);
        Backend busy = fleet.Pods[2];
        fleet.Scraped(busy, running: 6, waiting: 2);
        int spilled = 0;
        for (int i = 0; i < 300; i++)
        {
            Backend picked = fleet.Pick(Key(i), out PickReason reason);
            Assert.NotSame(busy, picked);
            spilled += reason == PickReason.Spilled ? 1 : 0;
        }

        // About a quarter of the keys rank the busy pod first; each of those spilled.
        Assert.InRange(spilled, 30, 150);
    }

    [Fact]
    public void ALargerEpsilon_LetsTheKeysPodTakeMore()
    {
        using var strict = new PickerFleet(4, loadBound: 0.25);
        using var loose = new PickerFleet(4, loadBound: 3);
        ulong key = Key(3);
        Backend strictFirst = strict.Pick(key);
        Backend looseFirst = loose.Pick(key);
        PickerFleet.Load(strictFirst, 1);
        PickerFleet.Load(looseFirst, 1);

        // Sum 1: bounds ceil(1.25 × 2 / 4) = 1 and ceil(4 × 2 / 4) = 2.
        Assert.NotSame(strictFirst, strict.Pick(key));
        Assert.Same(looseFirst, loose.Pick(key));
    }

    [Fact]
    public void AnUnavailableFirstPod_IsSkipped_AsASpill()
    {
        using var fleet = new PickerFleet(3);
        ulong key = Key(11);
        Backend first = fleet.Pick(key);
        Backend second = fleet.Pick(key, out _, [first]);
        first.Health.IsProbeFailing = true;

        Assert.Same(second, fleet.Pick(key, out PickReason reason));
        Assert.Equal(PickReason.Spilled, reason);
    }

    [Fact]
    public void NoKey_IsTheLeastLoadedOfTwo()
    {
        using var fleet = new PickerFleet(2);
        fleet.Scraped(fleet.Pods[0], running: 5, waiting: 0);
        for (int i = 0; i < 20; i++)
        {
            Assert.Same(fleet.Pods[1], fleet.Pick(0, out PickReason reason));
            Assert.Equal(PickReason.LeastLoad, reason);
        }
    }

    [Fact]
    public void LeastLoad_WeighsTheEngine_LeastInFlight_OnlyThisRoutersRequests()
    {
        using var leastLoad = new PickerFleet(2, PodSelection.LeastLoad);
        using var leastInFlight = new PickerFleet(2, PodSelection.LeastInFlight);
        foreach (PickerFleet fleet in new[] { leastLoad, leastInFlight })
        {
            fleet.Scraped(fleet.Pods[0], running: 9, waiting: 3);
            PickerFleet.Load(fleet.Pods[1], 1);
        }

        for (int i = 0; i < 20; i++)
        {
            Assert.Same(leastLoad.Pods[1], leastLoad.Pick(Key(i), out PickReason reason));
            Assert.Equal(PickReason.LeastLoad, reason);
            Assert.Same(leastInFlight.Pods[0], leastInFlight.Pick(Key(i)));
        }
    }

    [Fact]
    public void RoundRobin_TakesEachPodInTurn_WhateverTheKey()
    {
        using var fleet = new PickerFleet(3, PodSelection.RoundRobin);
        var names = new List<string>();
        for (int i = 0; i < 6; i++)
        {
            names.Add(fleet.Pick(Key(1), out PickReason reason).Name);
            Assert.Equal(PickReason.RoundRobin, reason);
        }

        Assert.Equal(names[..3], names[3..]);
        Assert.Equal(3, names.Distinct().Count());
    }

    [Fact]
    public void ASingleCandidate_IsTheOnlyChoice()
    {
        using var fleet = new PickerFleet(1);
        Assert.Same(fleet.Pods[0], fleet.Pick(Key(1), out PickReason reason));
        Assert.Equal(PickReason.OnlyChoice, reason);
    }

    [Theory]
    [InlineData(true, 4)]
    [InlineData(true, 64)]
    [InlineData(false, 64)]
    public void Picking_AllocatesNothing(bool affinity, int pods)
    {
        using var fleet = new PickerFleet(pods, affinity ? PodSelection.Affinity : PodSelection.LeastLoad);
        foreach (Backend pod in fleet.Pods)
        {
            fleet.Scraped(pod, running: 1, waiting: 0);
        }

        fleet.Pick(Key(0));
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            fleet.Pick(Key(i));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
