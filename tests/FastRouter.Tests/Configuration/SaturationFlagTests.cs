using System.Globalization;
using FastRouter.Configuration;
using static FastRouter.Tests.Configuration.CommandLineTestHelpers;

namespace FastRouter.Tests.Configuration;

/// <summary>
/// --saturation-in-flight and --saturation-prefill-in-flight: a value given reaches <see cref="RouterOptions"/>,
/// both are off (0) when left out as docs/command-line.md says, and a bad value exits 2 naming the flag and the value.
/// </summary>
public sealed class SaturationFlagTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("1", 1)]
    [InlineData("16", 16)]
    public void EachInFlightLimit_ReachesTheOptions(string value, int expected)
    {
        Assert.Equal(expected, AssertRuns(ParseWith("--saturation-prefill-in-flight", value)).SaturationPrefillInFlight);
        Assert.Equal(expected, AssertRuns(ParseWith("--saturation-in-flight", value)).SaturationInFlight);
    }

    [Fact]
    public void LeftOut_BothAreOff_AsTheDocsSay()
    {
        RouterOptions options = AssertRuns(Parse(MinimalArgs));

        Assert.Equal(0, options.SaturationPrefillInFlight);
        Assert.Equal(0, options.SaturationInFlight);
        Assert.Equal(DocumentedDefault("--saturation-prefill-in-flight"), options.SaturationPrefillInFlight.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(DocumentedDefault("--saturation-in-flight"), options.SaturationInFlight.ToString(CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("--saturation-prefill-in-flight", "-1")]
    [InlineData("--saturation-prefill-in-flight", "1.5")]
    [InlineData("--saturation-prefill-in-flight", "one")]
    [InlineData("--saturation-in-flight", "-2")]
    public void ABadValue_ExitsTwo_NamingTheFlagAndTheValue(string flag, string value) =>
        AssertFails(ParseWith(flag, value), "argument " + flag, "'" + value + "'");
}
