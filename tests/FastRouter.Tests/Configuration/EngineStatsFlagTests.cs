using FastRouter.Configuration;
using static FastRouter.Tests.Configuration.CommandLineTestHelpers;

namespace FastRouter.Tests.Configuration;

/// <summary>--engine-stats-interval and --request-stats-window are real flags now: parsed, bounded, no warning.</summary>
public sealed class EngineStatsFlagTests
{
    [Fact]
    public void Defaults_AreOneSecondScrapes_AndProductionStacksSixtySecondWindow()
    {
        RouterOptions options = AssertRuns(ParseWith());

        Assert.Equal(TimeSpan.FromSeconds(1), options.EngineStatsInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), options.EngineStatsTimeout);
        Assert.Equal(60, options.RequestStatsWindowSeconds);
    }

    [Fact]
    public void Values_AreTaken_WithoutAWarning_AndTheTimeoutIsAtMostTwoSeconds()
    {
        CommandLineResult result = ParseWith("--engine-stats-interval", "0.5", "--request-stats-window", "120");
        RouterOptions options = AssertRuns(result);

        Assert.Empty(result.Warnings);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.EngineStatsInterval);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.EngineStatsTimeout);
        Assert.Equal(120, options.RequestStatsWindowSeconds);
        Assert.Equal(TimeSpan.FromSeconds(2), AssertRuns(ParseWith("--engine-stats-interval", "30")).EngineStatsTimeout);
    }

    [Theory]
    [InlineData("--engine-stats-interval", "0")]
    [InlineData("--engine-stats-interval", "-1")]
    [InlineData("--engine-stats-interval", "301")]
    [InlineData("--engine-stats-interval", "soon")]
    [InlineData("--request-stats-window", "0")]
    [InlineData("--request-stats-window", "-3")]
    [InlineData("--request-stats-window", "1.5")]
    [InlineData("--request-stats-window", "3601")]
    public void OutOfRangeValues_AreRefused(string flag, string value) =>
        AssertFails(ParseWith(flag, value), flag, "'" + value + "'");
}
