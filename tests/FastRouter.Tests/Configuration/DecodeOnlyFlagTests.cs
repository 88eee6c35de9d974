using System.Globalization;
using FastRouter.Configuration;
using static FastRouter.Tests.Configuration.CommandLineTestHelpers;

namespace FastRouter.Tests.Configuration;

/// <summary>
/// --decode-only-below-tokens, --decode-only-without-prefill and --saturation-waiting: each value given
/// reaches <see cref="RouterOptions"/>, both ways out of prefill→decode are off when left out (the defaults
/// docs/command-line.md documents), and a bad value exits 2 naming the flag and the value.
/// </summary>
public sealed class DecodeOnlyFlagTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("1", 1)]
    [InlineData("512", 512)]
    [InlineData("100000000", 100_000_000)]
    public void DecodeOnlyBelowTokens_ReachesTheOptions(string value, int expected)
    {
        Assert.Equal(expected, AssertRuns(ParseWith("--decode-only-below-tokens", value)).DecodeOnlyBelowTokens);
        Assert.Equal(expected, AssertRuns(ParseWith("--decode-only-below-tokens=" + value)).DecodeOnlyBelowTokens);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("32", 32)]
    public void SaturationWaiting_ReachesTheOptions(string value, int expected) =>
        Assert.Equal(expected, AssertRuns(ParseWith("--saturation-waiting", value)).SaturationWaiting);

    [Fact]
    public void DecodeOnlyWithoutPrefill_IsASwitch()
    {
        Assert.True(AssertRuns(ParseWith("--decode-only-without-prefill")).DecodeOnlyWithoutPrefill);
        Assert.False(AssertRuns(Parse(MinimalArgs)).DecodeOnlyWithoutPrefill);
    }

    [Fact]
    public void LeftOut_EveryRequestIsDisaggregated_AsTheDocsSay()
    {
        RouterOptions options = AssertRuns(Parse(MinimalArgs));

        Assert.Equal(0, options.DecodeOnlyBelowTokens);
        Assert.False(options.DecodeOnlyWithoutPrefill);
        Assert.Equal(5, options.SaturationWaiting);
        Assert.Equal(DocumentedDefault("--decode-only-below-tokens"), options.DecodeOnlyBelowTokens.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(DocumentedDefault("--saturation-waiting"), options.SaturationWaiting.ToString(CultureInfo.InvariantCulture));
        Assert.Equal("off", DocumentedDefault("--decode-only-without-prefill"));
    }

    [Theory]
    [InlineData("--decode-only-below-tokens", "-1")]
    [InlineData("--decode-only-below-tokens", "100000001")]
    [InlineData("--decode-only-below-tokens", "1.5")]
    [InlineData("--decode-only-below-tokens", "short")]
    [InlineData("--saturation-waiting", "0")]
    [InlineData("--saturation-waiting", "-3")]
    [InlineData("--saturation-waiting", "many")]
    public void ABadValue_ExitsTwo_NamingTheFlagAndTheValue(string flag, string value) =>
        AssertFails(ParseWith(flag, value), "argument " + flag, "'" + value + "'");

    [Fact]
    public void TheSwitch_TakesNoValue_AndNoFlagTwice()
    {
        AssertFails(ParseWith("--decode-only-without-prefill", "--decode-only-without-prefill"), "--decode-only-without-prefill", "more than once");
        AssertFails(ParseWith("--decode-only-below-tokens", "10", "--decode-only-below-tokens", "10"), "--decode-only-below-tokens", "more than once");
    }
}
