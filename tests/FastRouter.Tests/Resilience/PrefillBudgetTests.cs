using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using FastRouter.Configuration;
using FastRouter.Simulation;
using FastRouter.Tests.Configuration;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Resilience;

/// <summary>
/// --prefill-timeout bounds every prefill attempt of a request together: each attempt a retry may follow gets half
/// of what is left, the last all of it. A hung pod still fails over, and a client whose prefill pods all hang gets
/// its 504 after about the budget, not the budget once per attempt.
/// </summary>
public sealed partial class PrefillBudgetTests
{
    [Fact]
    public async Task AHungPrefillPod_FailsOverAfterHalfTheBudget_AndTheClientIsAnswered()
    {
        await using RouterTestHarness harness = await Fleet.StartAsync(new ManualTimeProvider(), FromFlags("--prefill-timeout", "4", "--max-retries", "2"));
        harness.Prefill[0].Faults.Set(SimulatorFaultMode.Hang);

        var clock = Stopwatch.StartNew();
        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", Fleet.ChatBody);
        string body = await response.Content.ReadAsStringAsync();
        clock.Stop();

        Assert.True(200 == (int)response.StatusCode, body);
        Assert.Equal(1, Fleet.Calls(harness.Prefill[0]));
        Assert.Equal(1, Fleet.Calls(harness.Prefill[1]));

        // The hung pod had half the budget, leaving the other half for the failover: within the budget in all.
        Assert.Equal([2.0], TimedOutAttempts(harness));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"answered after {clock.Elapsed.TotalSeconds:F2} s, past the 4 s budget");
    }

    [Fact]
    public async Task EveryPrefillPodHung_TheClientGetsA504_AfterAboutTheBudget()
    {
        await using RouterTestHarness harness = await Fleet.StartAsync(new ManualTimeProvider(), FromFlags("--prefill-timeout", "3", "--max-retries", "2"));
        harness.Prefill[0].Faults.Set(SimulatorFaultMode.Hang);
        harness.Prefill[1].Faults.Set(SimulatorFaultMode.Hang);

        var clock = Stopwatch.StartNew();
        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", Fleet.ChatBody);
        JsonElement error = await OpenAiErrorAssert.IsErrorAsync(response, 504);
        clock.Stop();

        // Three attempts: 1.5 s (half of 3), then half of what is left, then all the rest: together about the budget.
        // A timer firing late on a busy machine leaves the later attempts less; the runtime's timers tick on a coarse
        // clock (4 ms on Linux) and can fire a few milliseconds early by the stopwatch the budget is spent on, which
        // leaves them that much more, as does the millisecond a share is rounded down by.
        const double Tick = 0.01;
        double[] attempts = TimedOutAttempts(harness);
        Assert.Equal(3, attempts.Length);
        Assert.Equal(1.5, attempts[0]);
        Assert.InRange(attempts[1], 0.001, 0.75 + Tick);
        Assert.InRange(attempts[2], 0.001, attempts[1] + Tick);
        Assert.True(attempts.Sum() <= 3.0 + Tick, "the attempts' timeouts add up to " + attempts.Sum() + " s, past the 3 s budget");
        Assert.Contains("did not answer within " + attempts[2].ToString(CultureInfo.InvariantCulture) + " s", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, harness.Prefill.Sum(Fleet.Calls));
        Assert.Equal(0, harness.Decode.Sum(Fleet.Calls));

        // About the budget, far from the 9 s that three full timeouts would take.
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2.5), $"answered after {clock.Elapsed.TotalSeconds:F2} s, before the budget was spent");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"answered after {clock.Elapsed.TotalSeconds:F2} s");
    }

    [Fact]
    public async Task WithoutRetries_TheOnlyAttemptGetsTheWholeBudget()
    {
        await using RouterTestHarness harness = await Fleet.StartAsync(new ManualTimeProvider(), FromFlags("--prefill-timeout", "1", "--max-retries", "0"));
        harness.Prefill[0].Faults.Set(SimulatorFaultMode.Hang);

        using HttpResponseMessage response = await harness.PostAsync("/v1/chat/completions", Fleet.ChatBody);

        await OpenAiErrorAssert.IsErrorAsync(response, 504);
        Assert.Equal([1.0], TimedOutAttempts(harness));
    }

    [Fact]
    public void TheHelp_SaysThePrefillTimeoutIsOneBudgetForEveryAttempt()
    {
        string help = CommandLineTestHelpers.Parse("--help").Output!;

        // The help wraps lines: read it as one line of words.
        string words = string.Join(' ', help[help.IndexOf("--prefill-timeout", StringComparison.Ordinal)..].Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("--prefill-timeout SECONDS All prefill attempts of one request together", words, StringComparison.Ordinal);
        Assert.Contains("the last all of it (300 s with 2 retries: 150, 75, 75)", words, StringComparison.Ordinal);
    }

    /// <summary>The harness's options with the prefill timeout and retries the flags give, parsed as the router parses them.</summary>
    private static Func<RouterOptions, RouterOptions> FromFlags(params string[] flags)
    {
        RouterOptions parsed = CommandLineTestHelpers.AssertRuns(CommandLineTestHelpers.ParseWith(flags));
        return options => options with { PrefillTimeout = parsed.PrefillTimeout, MaxRetries = parsed.MaxRetries };
    }

    /// <summary>The timeout, in seconds, of each prefill attempt that timed out, in order (event 14).</summary>
    private static double[] TimedOutAttempts(RouterTestHarness harness) =>
    [
        .. harness.Logs.Lines
            .Where(l => l.EventId.Id == 14 && l.Message.StartsWith("The prefill pod", StringComparison.Ordinal))
            .Select(l => double.Parse(WithinSeconds().Match(l.Message).Groups[1].Value, CultureInfo.InvariantCulture)),
    ];

    [GeneratedRegex(@"within ([0-9.]+)s")]
    private static partial Regex WithinSeconds();
}
