using FastRouter.Configuration;
using static FastRouter.Tests.Configuration.CommandLineTestHelpers;

namespace FastRouter.Tests.Configuration;

/// <summary>--max-buffered-bytes: unset by default (derived from the GC's memory), a size when given, and its refusals.</summary>
public sealed class BufferBudgetFlagTests
{
    [Fact]
    public void Unset_leaves_the_budget_to_the_GCs_memory() =>
        Assert.Null(AssertRuns(Parse(MinimalArgs)).MaxBufferedBytes);

    [Fact]
    public void A_size_is_applied() =>
        Assert.Equal(512L * 1024 * 1024, AssertRuns(ParseWith("--max-buffered-bytes", "512MiB")).MaxBufferedBytes);

    [Fact]
    public void Equal_to_the_body_limit_is_allowed() =>
        Assert.Equal(1_000_000, AssertRuns(ParseWith("--max-request-body-bytes", "1MB", "--max-buffered-bytes", "1MB")).MaxBufferedBytes);

    [Fact]
    public void Below_the_body_limit_is_refused() =>
        AssertFails(ParseWith("--max-buffered-bytes", "16MiB"), "--max-buffered-bytes", "--max-request-body-bytes");

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("lots")]
    public void A_bad_size_is_refused(string value) =>
        AssertFails(ParseWith("--max-buffered-bytes", value), "--max-buffered-bytes");

    [Fact]
    public void Help_names_the_flag_and_its_default()
    {
        string help = Parse("--help").Output!;

        Assert.Contains("--max-buffered-bytes SIZE", help, StringComparison.Ordinal);
        Assert.Contains("256MiB", help[help.IndexOf("--max-buffered-bytes SIZE", StringComparison.Ordinal)..help.IndexOf("--max-discarded-body-bytes", StringComparison.Ordinal)], StringComparison.Ordinal);
    }
}
