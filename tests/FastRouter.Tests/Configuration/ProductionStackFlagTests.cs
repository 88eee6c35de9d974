using FastRouter.Configuration;
using static FastRouter.Tests.Configuration.CommandLineTestHelpers;

namespace FastRouter.Tests.Configuration;

/// <summary>production-stack flags FastRouter refuses by name, and the few it accepts and ignores.</summary>
public sealed class ProductionStackFlagTests
{
    /// <summary>
    /// Every flag production-stack's router defines, written down from its source, not from FastRouter's lists:
    /// <c>src/vllm_router/parsers/parser.py</c> and <c>experimental/semantic_cache_integration.py</c> on <c>main</c> at
    /// a6c01db0, then the flags that only its side commits' parser.py adds (TTFT router 2361a177, retries 5fe54db8).
    /// </summary>
    private static readonly string[] ProductionStackParserFlags =
    [
        "--backend-health-check-timeout-seconds", "--batch-processor", "--callbacks", "--decode-model-labels", "--dynamic-config-json",
        "--dynamic-config-yaml", "--enable-batch-api", "--engine-stats-interval", "--external-providers-config", "--feature-gates",
        "--file-storage-class", "--file-storage-path", "--host", "--k8s-label-selector", "--k8s-namespace", "--k8s-port",
        "--k8s-service-discovery-type", "--k8s-watcher-timeout-seconds", "--kv-aware-threshold", "--lmcache-controller-heartbeat-port",
        "--lmcache-controller-port", "--lmcache-controller-reply-port", "--lmcache-health-check-interval", "--lmcache-worker-timeout",
        "--log-format", "--log-level", "--log-stats", "--log-stats-interval", "--max-instance-failover-reroute-attempts", "--otel-endpoint",
        "--otel-secure", "--otel-service-name", "--port", "--prefill-model-labels", "--prefix-min-match-length", "--request-rewriter",
        "--request-stats-window", "--root-path", "--routing-logic", "--sentry-dsn", "--sentry-profile-session-sample-rate",
        "--sentry-traces-sample-rate", "--service-discovery", "--session-key", "--static-aliases", "--static-backend-health-check-interval",
        "--static-backend-health-check-timeout-seconds", "--static-backend-health-checks", "--static-backends", "--static-model-labels",
        "--static-model-types", "--static-models", "--version",
        "--semantic-cache-dir", "--semantic-cache-model", "--semantic-cache-threshold",
        "--disable-retries", "--lmcache-instances", "--retry-backoff-multiplier", "--retry-initial-backoff-ms", "--retry-jitter-factor",
        "--retry-max-backoff-ms", "--retry-max-retries", "--tokenizer",
    ];

    /// <summary>The production-stack flags FastRouter takes, as docs/command-line.md lists them (implemented, or accepted and ignored).</summary>
    private static readonly string[] AcceptedProductionStackFlags =
    [
        "--host", "--port", "--service-discovery", "--static-backends", "--static-models", "--static-model-labels", "--routing-logic",
        "--prefill-model-labels", "--decode-model-labels", "--log-level", "--log-stats", "--log-stats-interval", "--log-format",
        "--otel-endpoint", "--otel-service-name", "--otel-secure", "--k8s-namespace", "--k8s-port", "--k8s-label-selector",
        "--k8s-service-discovery-type", "--engine-stats-interval", "--request-stats-window", "--request-rewriter", "--version",
        "--session-key",
    ];

    public static TheoryData<string> RefusedFlags()
    {
        var data = new TheoryData<string>();
        foreach (string flag in ProductionStackParserFlags)
        {
            if (!AcceptedProductionStackFlags.Contains(flag))
            {
                data.Add(flag);
            }
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
    public void Accepted_production_stack_flags_are_known_flags()
    {
        foreach (string flag in AcceptedProductionStackFlags)
        {
            Assert.True(flag == "--version" || RouterFlags.Find(flag) is not null, flag + " is not a flag FastRouter takes");
            Assert.Contains(flag, ProductionStackParserFlags);
        }
    }

    [Fact]
    public void Refused_list_has_no_duplicates_no_accepted_flag_and_only_production_stack_flags()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string flag in UnsupportedProductionStackFlags.All)
        {
            Assert.True(seen.Add(flag), flag + " listed twice");
            Assert.Null(RouterFlags.Find(flag));
            Assert.True(ProductionStackParserFlags.Contains(flag), flag + " is refused as a production-stack flag, but production-stack's parser has no such flag");
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

    [Fact]
    public void Session_key_is_taken_as_the_affinity_header_without_a_warning()
    {
        CommandLineResult result = ParseWith("--session-key", "x-user-id");
        Assert.Equal("x-user-id", AssertRuns(result).SessionKey);
        Assert.Empty(result.Warnings);
        Assert.Null(AssertRuns(Parse(MinimalArgs)).SessionKey);
    }

    [Theory]
    [InlineData("")]
    [InlineData("x user")]
    [InlineData("x-user:")]
    public void Session_key_that_is_no_header_name_is_refused(string value) =>
        AssertFails(ParseWith("--session-key", value), "--session-key", "'" + value + "'");
}
