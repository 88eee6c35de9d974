using FastRouter.Configuration;
using FastRouter.Tests.Discovery;
using static FastRouter.Tests.Configuration.CommandLineTestHelpers;

namespace FastRouter.Tests.Configuration;

/// <summary>
/// The inbound keys' three sources (repeated --api-key, --api-key-file, $FASTROUTER_API_KEYS) are all taken, merged
/// without repeats, and each key is checked: 8 characters at least, visible ASCII only, a file that can be read.
/// </summary>
public sealed class ApiKeyFlagTests
{
    [Fact]
    public void EverySource_IsTaken_InOrder_WithoutRepeats()
    {
        using var directory = new TempDirectory();
        string file = Path.Combine(directory.Path, "keys");
        File.WriteAllLines(file, ["# the router's keys", "", "  sk-from-file-1  ", "sk-flag-one-1", "#sk-commented-out"]);
        var environment = new Dictionary<string, string> { ["FASTROUTER_API_KEYS"] = " sk-env-one-11 , ,sk-env-two-22,sk-flag-two-2" };

        RouterOptions options = AssertRuns(Parse(environment, [.. MinimalArgs, "--api-key", "sk-flag-one-1", "--api-key", "sk-flag-two-2", "--api-key-file", file]));

        Assert.Equal(["sk-flag-one-1", "sk-flag-two-2", "sk-from-file-1", "sk-env-one-11", "sk-env-two-22"], options.ApiKeys);
    }

    [Fact]
    public void NoSource_MeansNoKeys()
    {
        Assert.Empty(AssertRuns(ParseWith()).ApiKeys);
    }

    [Theory]
    [InlineData("--api-key", "short-7")]
    [InlineData("--api-key", "sk-with space")]
    [InlineData("--api-key", "sk-non-ascii-é")]
    public void ABadKeyOnTheCommandLine_IsRefused(string flag, string key)
    {
        string error = AssertFails(ParseWith(flag, key), flag);
        Assert.DoesNotContain(key, error, StringComparison.Ordinal);
    }

    [Fact]
    public void ABadKeyInTheEnvironment_IsRefused_NamingTheVariable()
    {
        var environment = new Dictionary<string, string> { ["FASTROUTER_API_KEYS"] = "sk-good-key-1,short" };
        AssertFails(Parse(environment, MinimalArgs), "$FASTROUTER_API_KEYS", "8 characters");
    }

    [Fact]
    public void ABadKeyInTheFile_OrAFileThatCannotBeRead_IsRefused()
    {
        using var directory = new TempDirectory();
        string file = Path.Combine(directory.Path, "keys");
        File.WriteAllLines(file, ["sk-good-key-1", "short"]);

        AssertFails(ParseWith("--api-key-file", file), "--api-key-file", "8 characters");
        AssertFails(ParseWith("--api-key-file", Path.Combine(directory.Path, "missing")), "--api-key-file", "cannot read");
    }
}
