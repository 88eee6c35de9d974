using System.Globalization;

namespace FastRouter.Tests.Support;

/// <summary>
/// What one <see cref="GivingUpClient"/> request does: streamed or not, how many tokens, and how long after it is sent
/// the client leaves. All of a run's plans are drawn from its seed before any request is sent, in one order, so
/// they are the same whatever the threads do: a failing seed replays every choice, and its message names them.
/// </summary>
internal readonly record struct GiveUpPlan(int Seed, int Index, bool Stream, int MaxTokens, TimeSpan LeaveAfter)
{
    /// <summary>The longest a client waits before leaving: long enough to reach decode's stream, short enough to cut it.</summary>
    private const int MaxLeaveMilliseconds = 15;

    /// <summary><paramref name="count"/> plans drawn from <paramref name="seed"/>, numbered from 0.</summary>
    public static GiveUpPlan[] Draw(int seed, int count)
    {
        var random = new Random(seed);
        var plans = new GiveUpPlan[count];
        for (int i = 0; i < plans.Length; i++)
        {
            bool stream = random.Next(2) == 0;
            int maxTokens = 1 + random.Next(20);
            var leaveAfter = TimeSpan.FromMilliseconds(random.Next(MaxLeaveMilliseconds + 1));
            plans[i] = new GiveUpPlan(seed, i, stream, maxTokens, leaveAfter);
        }

        return plans;
    }

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"seed {Seed}, request {Index}: {(Stream ? "streamed" : "JSON")}, {MaxTokens} tokens, leaving after {LeaveAfter.TotalMilliseconds:F0} ms");
}
