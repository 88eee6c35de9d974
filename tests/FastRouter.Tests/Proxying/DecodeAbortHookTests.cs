using System.Diagnostics;
using FastRouter.Protocol;
using FastRouter.Proxying;

namespace FastRouter.Tests.Proxying;

/// <summary>
/// A client's abort before decode answered: a call carrying a prefill's params waits out the grace (cutting it
/// while the pod still reads the request would strand the prefill's KV blocks); a decode-only call, which carries
/// none, is cut at once.
/// </summary>
public sealed class DecodeAbortHookTests
{
    [Fact]
    public void ACallCarryingParams_IsGivenTheGrace_AndMarkedForARelease()
    {
        var hook = new DecodeAbortHook();
        using var call = new CancellationTokenSource();
        hook.Arm(call, new SegmentedContent(new BodySegments()), Stopwatch.GetTimestamp(), TimeSpan.FromMinutes(5));

        DecodeAbortHook.OnClientAbort(hook);

        Assert.False(call.IsCancellationRequested);
        Assert.True(hook.LeftWhileTaken);
    }

    [Fact]
    public void ADecodeOnlyCall_IsCutAtOnce_WithNothingToRelease()
    {
        var hook = new DecodeAbortHook();
        using var call = new CancellationTokenSource();
        hook.Arm(call, new SegmentedContent(new BodySegments()), Stopwatch.GetTimestamp(), TimeSpan.FromMinutes(5), kvAtStake: false);

        DecodeAbortHook.OnClientAbort(hook);

        Assert.True(call.IsCancellationRequested);
        Assert.False(hook.LeftWhileTaken);
    }

    [Fact]
    public void AHookRearmedForADisaggregatedCall_GivesTheGraceAgain()
    {
        // One hook per pooled exchange: a decode-only try must not leave the next request's call without its grace.
        var hook = new DecodeAbortHook();
        using (var first = new CancellationTokenSource())
        {
            hook.Arm(first, new SegmentedContent(new BodySegments()), Stopwatch.GetTimestamp(), TimeSpan.FromMinutes(5), kvAtStake: false);
        }

        using var call = new CancellationTokenSource();
        hook.Arm(call, new SegmentedContent(new BodySegments()), Stopwatch.GetTimestamp(), TimeSpan.FromMinutes(5));
        DecodeAbortHook.OnClientAbort(hook);

        Assert.False(call.IsCancellationRequested);
    }
}
