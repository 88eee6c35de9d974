using FastRouter.Balancing;
using FastRouter.Configuration;
using FastRouter.Disaggregation;
using FastRouter.Discovery;
using FastRouter.Engines;
using FastRouter.Protocol;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Disaggregation;

/// <summary>
/// The decision alone, on hand-set scans and pods: the uncached estimate (bytes / 4 against the threshold, the new
/// messages only when the decode pod was picked by affinity for a later turn), and what makes prefill unable to take
/// a request (none, none available, a fresh long queue on every pod).
/// </summary>
public sealed class DecodeOnlyPolicyTests
{
    private readonly ManualTimeProvider _time = new();

    [Fact]
    public void ByDefault_EveryRequestIsDisaggregated()
    {
        var policy = new DecodeOnlyPolicy(new RouterOptions(), _time);

        Assert.False(policy.Enabled);
        Assert.False(policy.ServesWithoutPrefill);
        Assert.Equal(DisaggregationDecision.Disaggregated, policy.Decide(Scan(promptBytes: 0), PickReason.Affinity, [], prefillExhausted: true));
    }

    [Theory]
    [InlineData(399, true)] // 99 tokens
    [InlineData(400, false)] // 100 tokens: not below 100
    [InlineData(403, false)]
    [InlineData(0, true)]
    public void TheWholePrompt_IsComparedAtFourBytesAToken(int promptBytes, bool decodeOnly)
    {
        var policy = new DecodeOnlyPolicy(new RouterOptions { DecodeOnlyBelowTokens = 100 }, _time);

        DisaggregationDecision expected = decodeOnly ? DisaggregationDecision.DecodeOnlyShortUncached : DisaggregationDecision.Disaggregated;
        Assert.Equal(expected, policy.Decide(Scan(promptBytes), PickReason.LeastLoad, [Pod()], prefillExhausted: false));
    }

    [Theory]
    [InlineData(nameof(PickReason.Affinity), true)]
    [InlineData(nameof(PickReason.Spilled), false)]
    [InlineData(nameof(PickReason.LeastLoad), false)]
    [InlineData(nameof(PickReason.RoundRobin), false)]
    [InlineData(nameof(PickReason.OnlyChoice), false)]
    public void ALaterTurn_CountsOnlyItsNewMessages_WhenTheDecodePodWasPickedByAffinity(string reason, bool decodeOnly)
    {
        var policy = new DecodeOnlyPolicy(new RouterOptions { DecodeOnlyBelowTokens = 100 }, _time);

        // 10,000 bytes of conversation, 40 of them new: only the pod that served the turns before holds the rest.
        DisaggregationDecision expected = decodeOnly ? DisaggregationDecision.DecodeOnlyShortUncached : DisaggregationDecision.Disaggregated;
        Assert.Equal(expected, policy.Decide(Scan(10_000, newPromptBytes: 40, hasHistory: true), Enum.Parse<PickReason>(reason), [Pod()], prefillExhausted: false));
    }

    [Fact]
    public void AFirstTurn_CountsItsWholePrompt_EvenPickedByAffinity()
    {
        var policy = new DecodeOnlyPolicy(new RouterOptions { DecodeOnlyBelowTokens = 100 }, _time);

        // No assistant message: nothing of it can be cached as a previous turn's, whatever NewPromptBytes says.
        Assert.Equal(DisaggregationDecision.Disaggregated, policy.Decide(Scan(10_000, newPromptBytes: 40, hasHistory: false), PickReason.Affinity, [Pod()], prefillExhausted: false));
    }

    [Fact]
    public void WithoutPrefill_NoPrefillPodInTheRoute_IsDecodeOnly_OnlyWithTheFlag()
    {
        var on = new DecodeOnlyPolicy(new RouterOptions { DecodeOnlyWithoutPrefill = true }, _time);
        var off = new DecodeOnlyPolicy(new RouterOptions { DecodeOnlyBelowTokens = 10 }, _time);

        Assert.Equal(DisaggregationDecision.DecodeOnlyNoPrefill, on.Decide(Scan(10_000), PickReason.LeastLoad, [], prefillExhausted: false));
        Assert.Equal(DisaggregationDecision.Disaggregated, on.Decide(Scan(10_000), PickReason.LeastLoad, [Pod()], prefillExhausted: false));
        Assert.Equal(DisaggregationDecision.DecodeOnlyNoPrefill, on.Decide(Scan(10_000), PickReason.LeastLoad, [Pod()], prefillExhausted: true));
        Assert.Equal(DisaggregationDecision.Disaggregated, off.Decide(Scan(10_000), PickReason.LeastLoad, [], prefillExhausted: true));
    }

    [Fact]
    public void AShortRequest_IsCountedAsShortEvenWithoutPrefill()
    {
        var policy = new DecodeOnlyPolicy(new RouterOptions { DecodeOnlyBelowTokens = 100, DecodeOnlyWithoutPrefill = true }, _time);

        Assert.Equal(DisaggregationDecision.DecodeOnlyShortUncached, policy.Decide(Scan(40), PickReason.LeastLoad, [], prefillExhausted: false));
    }

    [Fact]
    public void EveryPrefillPodUnavailable_IsNoPrefill_OneAvailable_IsNot()
    {
        var policy = new DecodeOnlyPolicy(new RouterOptions { DecodeOnlyWithoutPrefill = true }, _time);
        Backend ejected = Pod();
        Backend probeFailing = Pod();
        Backend healthy = Pod();
        ejected.Health.EjectedUntil = _time.GetTimestamp() + TimeSpan.TicksPerMinute;
        probeFailing.Health.IsProbeFailing = true;

        Assert.Equal(DisaggregationDecision.DecodeOnlyNoPrefill, policy.Decide(Scan(10_000), PickReason.LeastLoad, [ejected, probeFailing], prefillExhausted: false));
        Assert.Equal(DisaggregationDecision.Disaggregated, policy.Decide(Scan(10_000), PickReason.LeastLoad, [ejected, probeFailing, healthy], prefillExhausted: false));

        // An ejection that has run out leaves the pod available again.
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(DisaggregationDecision.Disaggregated, policy.Decide(Scan(10_000), PickReason.LeastLoad, [ejected, probeFailing], prefillExhausted: false));
    }

    [Fact]
    public void APrefillPodIsSaturated_OnlyByAFreshQueueAtTheBound()
    {
        var policy = new DecodeOnlyPolicy(
            new RouterOptions { DecodeOnlyWithoutPrefill = true, SaturationWaiting = 8, EngineStatsInterval = TimeSpan.FromSeconds(2) }, _time);
        Backend a = Pod();
        Backend b = Pod();
        a.Engine = Snapshot(waiting: 8);
        b.Engine = Snapshot(waiting: 7);
        Assert.Equal(DisaggregationDecision.Disaggregated, policy.Decide(Scan(10_000), PickReason.LeastLoad, [a, b], prefillExhausted: false));

        b.Engine = Snapshot(waiting: 30);
        Assert.Equal(DisaggregationDecision.DecodeOnlyNoPrefill, policy.Decide(Scan(10_000), PickReason.LeastLoad, [a, b], prefillExhausted: false));

        // Fresh for 3 intervals (6 s here), then the queue it reported says nothing of now.
        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(DisaggregationDecision.DecodeOnlyNoPrefill, policy.Decide(Scan(10_000), PickReason.LeastLoad, [a, b], prefillExhausted: false));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(DisaggregationDecision.Disaggregated, policy.Decide(Scan(10_000), PickReason.LeastLoad, [a, b], prefillExhausted: false));
    }

    private static RequestScan Scan(int promptBytes, int? newPromptBytes = null, bool hasHistory = false) =>
        new() { PromptBytes = promptBytes, NewPromptBytes = newPromptBytes ?? promptBytes, HasHistory = hasHistory };

    private static Backend Pod() => new(new Uri("http://10.0.0.1:8000"), BackendRole.Prefill, null, new HttpMessageInvoker(new SocketsHttpHandler()));

    private EngineSnapshot Snapshot(double waiting) => new() { ReceivedAt = _time.GetTimestamp(), RouterInFlightAtScrape = 0, Waiting = waiting };
}
