using FastRouter.Configuration;
using static FastRouter.Tests.Configuration.CommandLineTestHelpers;

namespace FastRouter.Tests.Configuration;

/// <summary>The bounds of the discard that follows a 413 for an oversized body: defaults, values, refusals, help.</summary>
public sealed class DiscardBodyFlagTests
{
    [Fact]
    public void Defaults_are_nginx_lingering_times_and_256MiB()
    {
        RouterOptions options = AssertRuns(Parse(MinimalArgs));

        Assert.Equal(256L * 1024 * 1024, options.MaxDiscardedBodyBytes);
        Assert.Equal(TimeSpan.FromSeconds(30), options.DiscardBodyTime);
        Assert.Equal(TimeSpan.FromSeconds(5), options.DiscardBodyIdleTimeout);
    }

    [Fact]
    public void Each_flag_is_applied()
    {
        RouterOptions options = AssertRuns(ParseWith(
            "--max-discarded-body-bytes", "1GiB", "--discard-body-time", "12.5", "--discard-body-idle-timeout", "0.5"));

        Assert.Equal(1024L * 1024 * 1024, options.MaxDiscardedBodyBytes);
        Assert.Equal(TimeSpan.FromSeconds(12.5), options.DiscardBodyTime);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.DiscardBodyIdleTimeout);
    }

    [Fact]
    public void Zero_bytes_turns_the_discard_off() =>
        Assert.Equal(0, AssertRuns(ParseWith("--max-discarded-body-bytes", "0")).MaxDiscardedBodyBytes);

    [Theory]
    [InlineData("--max-discarded-body-bytes", "-1")]
    [InlineData("--max-discarded-body-bytes", "lots")]
    [InlineData("--max-discarded-body-bytes", "0MiB")]
    [InlineData("--max-discarded-body-bytes", "")]
    [InlineData("--discard-body-time", "0")]
    [InlineData("--discard-body-time", "-5")]
    [InlineData("--discard-body-time", "forever")]
    [InlineData("--discard-body-idle-timeout", "0")]
    [InlineData("--discard-body-idle-timeout", "1e9")]
    public void Bad_values_are_refused_naming_the_flag(string flag, string value) =>
        AssertFails(ParseWith(flag, value), flag, "'" + value + "'");

    [Fact]
    public void Help_lists_the_flags_with_their_defaults()
    {
        CommandLineResult result = Parse("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.EndsWith("(default: 256MiB)", Entry(result.Output!, "--max-discarded-body-bytes SIZE"), StringComparison.Ordinal);
        Assert.EndsWith("(default: 30)", Entry(result.Output!, "--discard-body-time SECONDS"), StringComparison.Ordinal);
        Assert.EndsWith("(default: 5)", Entry(result.Output!, "--discard-body-idle-timeout SECONDS"), StringComparison.Ordinal);
    }

    /// <summary>One flag's help entry, its wrapped lines joined with single spaces.</summary>
    private static string Entry(string help, string usage)
    {
        int start = help.IndexOf("  " + usage + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, usage + " is not in the help");
        int end = help.IndexOf("\n  --", start + usage.Length, StringComparison.Ordinal);
        string entry = help[(start + usage.Length + 2)..(end < 0 ? help.Length : end)];
        return string.Join(' ', entry.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
    }
}
