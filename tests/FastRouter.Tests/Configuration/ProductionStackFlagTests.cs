using FastRouter.Configuration;
using static FastRouter.Tests.Configuration.CommandLineTestHelpers;

namespace FastRouter.Tests.Configuration;

/// <summary>production-stack flags FastRouter refuses by name, and the few it accepts and ignores.</summary>
public sealed class ProductionStackFlagTests
{
    public static TheoryData<string> RefusedFlags()
    {
        var data = new TheoryData<string>();
        foreach (string flag in UnsupportedProductionStackFlags.All)
        {
            data.Add(flag);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RefusedFlags))]
    public void Refused_flag_gets_its_own_message(string flag)
    {
        string expected = flag + " is a production-stack flag that FastRouter does not implement (it only serves disaggregated_prefill_orchestrated)";
        AssertFails(ParseWith(flag, "value"), expected);
        AssertFails(ParseWith(flag + "=value"), expected);
        AssertFails(ParseWith(flag), expected);
    }

    [Fact]
    public void Refused_list_has_no_duplicates_and_no_accepted_flag()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string flag in UnsupportedProductionStackFlags.All)
        {
            Assert.True(seen.Add(flag), flag + " listed twice");
            Assert.Null(RouterFlags.Find(flag));
            Assert.StartsWith("--", flag, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Helm_chart_default_args_are_accepted_with_warnings()
    {
        // What production-stack's helm/templates/deployment-router.yaml renders for k8s discovery with defaults.
        CommandLineResult result = Parse(
            "--host", "0.0.0.0", "--port", "8000", "--service-discovery", "k8s", "--k8s-namespace", "default",
            "--k8s-service-discovery-type", "pod-ip", "--k8s-label-selector", "environment=test,release=test",
            "--routing-logic", "disaggregated_prefill_orchestrated", "--engine-stats-interval", "15",
            "--request-stats-window", "60", "--prefill-model-labels", "prefill", "--decode-model-labels", "decode");

        RouterOptions options = AssertRuns(result);
        Assert.Equal(8000, options.Port);
        Assert.Equal("default", options.KubernetesNamespace);
        Assert.Equal(3, result.Warnings.Count);
        Assert.All(result.Warnings, w => Assert.StartsWith("fastrouter: warning: ", w, StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Contains("--k8s-service-discovery-type", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Contains("--engine-stats-interval", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Contains("--request-stats-window", StringComparison.Ordinal));
    }

    [Fact]
    public void Noop_request_rewriter_is_accepted_with_a_warning()
    {
        CommandLineResult result = ParseWith("--request-rewriter", "noop");
        AssertRuns(result);
        Assert.Contains("--request-rewriter", Assert.Single(result.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Service_name_discovery_is_refused_because_kv_needs_the_exact_pod() =>
        AssertFails(
            Parse("--service-discovery", "k8s", "--k8s-service-discovery-type", "service-name", "--prefill-model-labels", "p", "--decode-model-labels", "d"),
            "--k8s-service-discovery-type", "'service-name'", "exact prefill pod");

    [Theory]
    [InlineData("--engine-stats-interval", "0")]
    [InlineData("--request-stats-window", "-3")]
    [InlineData("--request-rewriter", "custom")]
    public void Ignored_flags_are_still_validated_as_production_stack_does(string flag, string value) =>
        AssertFails(ParseWith(flag, value), flag, "'" + value + "'");
}
