using System.Globalization;
using FastRouter.Configuration;
using FastRouter.Tests.Harness;
using static FastRouter.Tests.Configuration.CommandLineTestHelpers;

namespace FastRouter.Tests.Configuration;

/// <summary>
/// The retry, ejection, probe, admission, shutdown, KV-release and header-limit flags: each value given reaches
/// <see cref="RouterOptions"/>, leaving a flag out gives the default docs/command-line.md documents, and a bad
/// value exits 2 with <c>fastrouter: error:</c> naming the flag and the value.
/// </summary>
public sealed class FailureHandlingFlagTests
{
    /// <summary>Each flag's option, written as the flag's value is (seconds, counts, bytes, choices).</summary>
    private static readonly Dictionary<string, Func<RouterOptions, string>> Option = new()
    {
        ["--max-retries"] = o => Invariant(o.MaxRetries),
        ["--pod-selection"] = o => o.PodSelection switch
        {
            PodSelection.RoundRobin => "round-robin",
            PodSelection.LeastInFlight => "least-in-flight",
            PodSelection.LeastLoad => "least-load",
            _ => "affinity",
        },
        ["--load-bound"] = o => o.LoadBound.ToString(CultureInfo.InvariantCulture),
        ["--eject-after-failures"] = o => Invariant(o.EjectAfterFailures),
        ["--ejection-time"] = o => Seconds(o.EjectionTime),
        ["--max-ejection-time"] = o => Seconds(o.MaxEjectionTime),
        ["--active-health-checks"] = o => o.ActiveHealthChecks ? "on" : "off",
        ["--health-check-interval"] = o => Seconds(o.HealthCheckInterval),
        ["--health-check-timeout"] = o => Seconds(o.HealthCheckTimeout),
        ["--max-concurrent-requests"] = o => Invariant(o.MaxConcurrentRequests),
        ["--shutdown-delay"] = o => Seconds(o.ShutdownDelay),
        ["--shutdown-timeout"] = o => Seconds(o.ShutdownTimeout),
        ["--disconnect-kv-release"] = o => o.DisconnectKvRelease == DisconnectKvRelease.Lease ? "lease" : "decode",
        ["--max-request-headers-bytes"] = o => Invariant(o.MaxRequestHeadersBytes),
        ["--max-request-line-bytes"] = o => Invariant(o.MaxRequestLineBytes),
    };

    public static TheoryData<string> Flags => [.. Option.Keys];

    [Theory]
    [InlineData("--max-retries", "0", "0")]
    [InlineData("--max-retries", "10", "10")]
    [InlineData("--pod-selection", "round-robin", "round-robin")]
    [InlineData("--pod-selection", "least-in-flight", "least-in-flight")]
    [InlineData("--pod-selection", "least-load", "least-load")]
    [InlineData("--pod-selection", "affinity", "affinity")]
    [InlineData("--load-bound", "0.01", "0.01")]
    [InlineData("--load-bound", "1.5", "1.5")]
    [InlineData("--eject-after-failures", "0", "0")]
    [InlineData("--eject-after-failures", "1000", "1000")]
    [InlineData("--ejection-time", "0.25", "0.25")]
    [InlineData("--max-ejection-time", "600", "600")]
    [InlineData("--active-health-checks", "off", "off")]
    [InlineData("--health-check-interval", "1.5", "1.5")]
    [InlineData("--health-check-timeout", "0.5", "0.5")]
    [InlineData("--max-concurrent-requests", "1", "1")]
    [InlineData("--max-concurrent-requests", "10000000", "10000000")]
    [InlineData("--shutdown-delay", "0", "0")]
    [InlineData("--shutdown-delay", "12.5", "12.5")]
    [InlineData("--shutdown-timeout", "45", "45")]
    [InlineData("--disconnect-kv-release", "lease", "lease")]
    [InlineData("--max-request-headers-bytes", "64KiB", "65536")]
    [InlineData("--max-request-headers-bytes", "100000", "100000")]
    [InlineData("--max-request-line-bytes", "16KB", "16000")]
    public void A_value_given_reaches_the_options(string flag, string value, string expected)
    {
        Assert.Equal(expected, Option[flag](AssertRuns(ParseWith(flag, value))));
        Assert.Equal(expected, Option[flag](AssertRuns(ParseWith(flag + "=" + value))));
    }

    [Theory]
    [MemberData(nameof(Flags))]
    public void Left_out_a_flag_has_its_documented_default(string flag)
    {
        string documented = DocumentedDefault(flag);

        // The documented default, given explicitly, must mean the same as leaving the flag out; and it must not be
        // what any other value means, which the first test checks by giving other values.
        Assert.Equal(Option[flag](AssertRuns(ParseWith(flag, documented))), Option[flag](AssertRuns(Parse(MinimalArgs))));
    }

    [Theory]
    [InlineData("--max-retries", "11")]
    [InlineData("--max-retries", "-1")]
    [InlineData("--max-retries", "two")]
    [InlineData("--pod-selection", "random")]
    [InlineData("--load-bound", "0")]
    [InlineData("--load-bound", "-0.5")]
    [InlineData("--load-bound", "11")]
    [InlineData("--load-bound", "NaN")]
    [InlineData("--eject-after-failures", "1001")]
    [InlineData("--eject-after-failures", "-1")]
    [InlineData("--ejection-time", "0")]
    [InlineData("--ejection-time", "-5")]
    [InlineData("--max-ejection-time", "abc")]
    [InlineData("--active-health-checks", "yes")]
    [InlineData("--health-check-interval", "0")]
    [InlineData("--health-check-timeout", "NaN")]
    [InlineData("--max-concurrent-requests", "0")]
    [InlineData("--max-concurrent-requests", "10000001")]
    [InlineData("--shutdown-delay", "-1")]
    [InlineData("--shutdown-delay", "soon")]
    [InlineData("--shutdown-timeout", "0")]
    [InlineData("--disconnect-kv-release", "never")]
    [InlineData("--max-request-headers-bytes", "0")]
    [InlineData("--max-request-headers-bytes", "3GiB")]
    [InlineData("--max-request-line-bytes", "1.5KiB")]
    public void A_bad_value_exits_two_naming_the_flag_and_the_value(string flag, string value) =>
        AssertFails(ParseWith(flag, value), "argument " + flag, "'" + value + "'");

    [Theory]
    [MemberData(nameof(Flags))]
    public void A_flag_given_twice_is_refused(string flag)
    {
        string documented = DocumentedDefault(flag);
        AssertFails(ParseWith(flag, documented, flag, documented), flag, "more than once");
    }

    /// <summary>The Default column of <paramref name="flag"/>'s row in docs/command-line.md, without its backticks.</summary>
    private static string DocumentedDefault(string flag)
    {
        string[] lines = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "docs", "command-line.md"));
        string row = Assert.Single(lines, l => l.StartsWith("| `" + flag + " ", StringComparison.Ordinal));
        string cell = row.Split('|')[2].Trim();
        Assert.True(cell.Length > 2 && cell[0] == '`', $"no default in backticks for {flag}: {row}");
        return cell[1..cell.IndexOf('`', 1)];
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString(CultureInfo.InvariantCulture);
}
