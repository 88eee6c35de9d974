using FastRouter.Balancing;
using FastRouter.Discovery;

namespace FastRouter.Tests.Balancing;

/// <summary>
/// Prefill's load bound, on hand-made pod states: recent prefill work (prompt tokens per second, the engine's
/// figure plus this router's own since the scrape) rather than requests in flight, a spill order every replica
/// computes alike (the conversation's own), and engines whose queue saturates them passed over.
/// </summary>
public sealed class PrefillWorkBoundTests
{
    private static ulong Key(int i) => unchecked((ulong)(i + 1) * 0x9E3779B97F4A7C15UL);

    private static PickerFleet Prefill(int pods) => new(pods, role: BackendRole.Prefill);

    private static void AllScraped(PickerFleet fleet, double computedTokensPerSecond)
    {
        foreach (Backend pod in fleet.Pods)
        {
            fleet.ScrapedWork(pod, computedTokensPerSecond);
        }
    }

    [Fact]
    public void APodBusyWithManyCheapPrefills_KeepsItsKeys_WhileItsWorkIsEven()
    {
        using PickerFleet fleet = Prefill(4);
        ulong key = Key(1);
        Backend first = fleet.Pick(key);
        AllScraped(fleet, 1000);

        // Five requests in flight would put it over a bound on requests (ceil(1.25 × 6 / 4) = 2); its work is the mean.
        PickerFleet.Load(first, 5);
        Assert.Same(first, fleet.Pick(key, out PickReason reason));
        Assert.Equal(PickReason.Affinity, reason);

        // The same pods as decode pods, bounded on requests: the key spills.
        using PickerFleet decode = new(4);
        Backend decodeFirst = decode.Pick(key);
        PickerFleet.Load(decodeFirst, 5);
        Assert.NotSame(decodeFirst, decode.Pick(key));
    }

    [Fact]
    public void APodWhoseWorkIsOverTheBound_SpillsTheKey_DownTheKeysOwnOrder()
    {
        using PickerFleet fleet = Prefill(4);
        ulong key = Key(2);
        Backend first = fleet.Pick(key);
        Backend second = fleet.Pick(key, out _, [first]);
        AllScraped(fleet, 1000);

        // 3000 against a mean of 1500: over (1 + ε) × the mean for any key.
        fleet.ScrapedWork(first, 3000);
        Assert.Same(second, fleet.Pick(key, out PickReason reason));
        Assert.Equal(PickReason.Spilled, reason);
    }

    [Fact]
    public void KeysLeaveAPodSlightlyOverItsShare_LowestKeyBoundFirst_AndEachKeyWhole()
    {
        using PickerFleet fleet = Prefill(4);
        Backend hot = fleet.Pods[0];
        AllScraped(fleet, 1000);

        // Work 1.2 × the mean (1300 ÷ 1075 ≈ 1.21): inside the bound's slack of ε = 0.25, so some of its keys stay, some leave.
        fleet.ScrapedWork(hot, 1300);
        var kept = new List<double>();
        var spilled = new List<double>();
        for (int i = 0; i < 400; i++)
        {
            ulong key = Key(i);
            if (!RanksFirst(fleet, key, hot))
            {
                continue;
            }

            Backend picked = fleet.Pick(key);
            Assert.Same(picked, fleet.Pick(key)); // the same answer for the same key: it leaves whole
            (picked == hot ? kept : spilled).Add(Rendezvous.KeyFraction(key));
        }

        Assert.NotEmpty(kept);
        Assert.NotEmpty(spilled);
        Assert.True(spilled.Max() < kept.Min(), "a key with a higher bound left while one with a lower bound stayed");
    }

    [Fact]
    public void APodSlightlyOverItsShare_ShedsSomeConversationsOfAPrefix_EachConversationWhole()
    {
        using PickerFleet fleet = Prefill(4);
        Backend hot = fleet.Pods[0];
        AllScraped(fleet, 1000);
        fleet.ScrapedWork(hot, 1300);

        // A prefix the hot pod ranks first, placed mid-range: 1.21 × the mean is then inside its conversations' thresholds.
        ulong prefix = 0;
        for (int i = 0; prefix == 0; i++)
        {
            double place = Rendezvous.KeyFraction(Key(i));
            prefix = RanksFirst(fleet, Key(i), hot) && place is > 0.4 and < 0.9 ? Key(i) : 0;
        }

        var kept = new List<double>();
        var spilled = new List<double>();
        for (int i = 0; i < 200; i++)
        {
            ulong conversation = Key(1000 + i);
            Backend picked = fleet.PickConversation(prefix, conversation);
            Assert.Same(picked, fleet.PickConversation(prefix, conversation)); // every turn alike
            (picked == hot ? kept : spilled).Add(Rendezvous.KeyFraction(conversation));
        }

        // Where the prefix's own place puts the threshold, the conversations placed lower leave and the others stay.
        Assert.NotEmpty(kept);
        Assert.NotEmpty(spilled);
        Assert.True(spilled.Max() < kept.Min(), "a conversation placed higher left while one placed lower stayed");
    }

    [Fact]
    public void AHotPrefixsConversations_SpillOverEveryOtherPod_EachByItsOwnOrder()
    {
        using PickerFleet fleet = Prefill(4);
        AllScraped(fleet, 1000);
        ulong prefix = Key(7);
        Backend home = fleet.Pick(prefix);

        // The prefix's pod far over its share: every conversation of the prefix leaves it.
        fleet.ScrapedWork(home, 4000);
        var perPod = new Dictionary<Backend, int>();
        for (int i = 0; i < 300; i++)
        {
            ulong conversation = Key(2000 + i);
            Backend picked = fleet.PickConversation(prefix, conversation);
            Assert.NotSame(home, picked);
            Assert.Same(picked, fleet.PickConversation(prefix, conversation)); // every turn to the same pod

            // The conversation's own first choice among the pods left, as every replica computes it.
            Backend expected = fleet.Pods[0];
            foreach (Backend pod in fleet.Pods)
            {
                if (pod != home && (expected == home || Rendezvous.Weight(conversation, pod.NameHash) > Rendezvous.Weight(conversation, expected.NameHash)))
                {
                    expected = pod;
                }
            }

            Assert.Same(expected, picked);
            perPod[picked] = perPod.GetValueOrDefault(picked) + 1;
        }

        // Spread over the three other pods, not poured onto the prefix's second one: each near a third of 300.
        Assert.Equal(3, perPod.Count);
        Assert.All(perPod.Values, count => Assert.InRange(count, 70, 130));
    }

    [Fact]
    public void APodWhoseEngineQueues_IsPassedOver_HoweverLittleItComputed()
    {
        using PickerFleet fleet = Prefill(3);
        AllScraped(fleet, 1000);
        Backend queueing = fleet.Pods[1];
        fleet.ScrapedWork(queueing, 0, waiting: 8); // --saturation-waiting is 5 by default
        for (int i = 0; i < 60; i++)
        {
            Assert.NotSame(queueing, fleet.Pick(Key(i)));
        }

        // Every pod queueing: the bound weighs them all again, and the least loaded passes.
        foreach (Backend pod in fleet.Pods)
        {
            fleet.ScrapedWork(pod, pod == queueing ? 0 : 1000, waiting: 8);
        }

        Assert.Same(queueing, fleet.Pick(FirstKeyRanking(fleet, fleet.Pods[0])));
    }

    [Fact]
    public void TokensSentSinceTheScrape_CountAsWork_BeforeTheNextScrape()
    {
        using PickerFleet fleet = Prefill(4);
        ulong key = Key(3);
        Backend first = fleet.Pick(key);
        AllScraped(fleet, 1000);

        // Prompts of 2,000 tokens: each adds 2,000 ÷ 10 s (the smoothing window) to the pod's work, so
        // after a few the key's pod is over its share and the key goes elsewhere, no scrape in between.
        Assert.Same(first, fleet.PickPrompt(key, 2000, out PickReason reason));
        Assert.Equal(PickReason.Affinity, reason);
        int picks = 1;
        while (fleet.PickPrompt(key, 2000, out reason) == first)
        {
            picks++;
            Assert.True(picks < 20, "the tokens sent never counted");
        }

        Assert.Equal(PickReason.Spilled, reason);
        Assert.True(first.PromptTokensSent >= 2000 * picks);
    }

    [Fact]
    public void APrefillPick_CountsThePromptsTokensOnThePodPicked_ADecodePickNothing()
    {
        using PickerFleet prefill = Prefill(2);
        Backend picked = prefill.PickPrompt(Key(4), 1000, out _);
        prefill.PickPrompt(Key(4), 500, out _);
        Assert.Equal(1500, picked.PromptTokensSent);
        Assert.Equal(0, Array.Find(prefill.Pods, p => p != picked)!.PromptTokensSent);

        using PickerFleet decode = new(2);
        Assert.Equal(0, decode.PickPrompt(Key(4), 1000, out _).PromptTokensSent);
    }

    [Fact]
    public void WithoutAWorkFigureOnEveryPod_ThePrefillBoundCountsRequests()
    {
        using PickerFleet fleet = Prefill(4);
        ulong key = Key(5);
        Backend first = fleet.Pick(key);
        AllScraped(fleet, 1000);
        fleet.ScrapedWork(fleet.Pods[3], double.NaN); // an engine without prefix-cache counters

        PickerFleet.Load(first, 2);
        Assert.NotSame(first, fleet.Pick(key, out PickReason reason));
        Assert.Equal(PickReason.Spilled, reason);
    }

    [Fact]
    public void TwoRouters_GivenTheSameEngineFigures_MakeTheSamePrefillChoices_SpillsIncluded()
    {
        using var one = new PickerFleet(5, seed: 1, role: BackendRole.Prefill);
        using var two = new PickerFleet(5, seed: 2, reversed: true, role: BackendRole.Prefill);
        Assert.NotEqual(one.Pods[0].Name, two.Pods[0].Name);

        // The same scrape in both (as every replica reads it): one pod over any request's bound, one slightly over
        // its share (some conversations stay, some leave), one saturated by its engine's queue.
        double[] work = [1000, 2600, 1250, 900, 700];
        for (int n = 0; n < work.Length; n++)
        {
            string name = "http://10.0.0." + (n + 1) + ":8000";
            one.ScrapedWork(one.Named(name), work[n], waiting: n == 3 ? 8 : 0);
            two.ScrapedWork(two.Named(name), work[n], waiting: n == 3 ? 8 : 0);
        }

        var reasons = new HashSet<PickReason>();
        var chosen = new HashSet<string>();
        for (int i = 0; i < 400; i++)
        {
            ulong prefix = Key(i % 40);
            ulong conversation = Key(5000 + i);
            Backend a = one.Picker.Pick(one.Pods, ref one.RoundRobin, null, new PickKeys(prefix, conversation), out PickReason reasonA)!;
            Backend b = two.Picker.Pick(two.Pods, ref two.RoundRobin, null, new PickKeys(prefix, conversation), out PickReason reasonB)!;
            Assert.Equal(a.Name, b.Name);
            Assert.Equal(reasonA, reasonB);
            reasons.Add(reasonA);
            chosen.Add(a.Name);
        }

        // The agreement covers both kinds of choice, and neither router sent anything to the queueing pod.
        Assert.Contains(PickReason.Affinity, reasons);
        Assert.Contains(PickReason.Spilled, reasons);
        Assert.DoesNotContain("http://10.0.0.4:8000", chosen);
    }

    private static bool RanksFirst(PickerFleet fleet, ulong key, Backend pod)
    {
        ulong weight = Rendezvous.Weight(key, pod.NameHash);
        foreach (Backend other in fleet.Pods)
        {
            if (other != pod && Rendezvous.Weight(key, other.NameHash) > weight)
            {
                return false;
            }
        }

        return true;
    }

    private static ulong FirstKeyRanking(PickerFleet fleet, Backend pod)
    {
        for (int i = 0; ; i++)
        {
            if (RanksFirst(fleet, Key(i), pod))
            {
                return Key(i);
            }
        }
    }
}
