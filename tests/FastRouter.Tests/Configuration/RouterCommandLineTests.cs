using FastRouter.Configuration;
using Microsoft.Extensions.Logging;
using static FastRouter.Tests.Configuration.CommandLineTestHelpers;

namespace FastRouter.Tests.Configuration;

/// <summary>Accepted command lines: the seed's args, both syntaxes, defaults, help, version, the API key default.</summary>
public sealed class RouterCommandLineTests
{
    [Fact]
    public void Seed_static_args_parse_into_aligned_backends()
    {
        RouterOptions options = AssertRuns(Parse(SeedStaticArgs));

        Assert.Equal(ServiceDiscoveryMode.Static, options.ServiceDiscovery);
        Assert.Equal(RoutingLogicNames.DisaggregatedPrefillOrchestrated, options.RoutingLogic);
        Assert.True(options.HasStaticModels);
        Assert.Equal(["prefill"], options.PrefillModelLabels);
        Assert.Equal(["decode"], options.DecodeModelLabels);
        Assert.Collection(
            options.StaticBackends,
            b =>
            {
                Assert.Equal(new Uri("http://10.0.0.1:8000"), b.Url);
                Assert.Equal("llama31-8b", b.Model);
                Assert.Equal("prefill", b.Label);
            },
            b =>
            {
                Assert.Equal(new Uri("http://10.0.0.2:8000"), b.Url);
                Assert.Equal("llama31-8b", b.Model);
                Assert.Equal("decode", b.Label);
            });
    }

    [Fact]
    public void Equals_form_gives_the_same_options()
    {
        var equalsForm = new List<string>();
        for (int i = 0; i < SeedStaticArgs.Length; i += 2)
        {
            equalsForm.Add(SeedStaticArgs[i] + "=" + SeedStaticArgs[i + 1]);
        }

        RouterOptions spaced = AssertRuns(Parse(SeedStaticArgs));
        RouterOptions joined = AssertRuns(Parse([.. equalsForm]));

        Assert.Equal(spaced.StaticBackends, joined.StaticBackends);
        Assert.Equal(spaced.PrefillModelLabels, joined.PrefillModelLabels);
        Assert.Equal(spaced.DecodeModelLabels, joined.DecodeModelLabels);
        Assert.Equal(spaced.RoutingLogic, joined.RoutingLogic);
    }

    [Fact]
    public void Seed_k8s_args_parse()
    {
        RouterOptions options = AssertRuns(Parse(
            "--routing-logic=disaggregated_prefill_orchestrated",
            "--service-discovery=k8s",
            "--k8s-label-selector=app in (prefill,decode)",
            "--prefill-model-labels=prefill",
            "--decode-model-labels=decode"));

        Assert.Equal(ServiceDiscoveryMode.Kubernetes, options.ServiceDiscovery);
        Assert.Equal("app in (prefill,decode)", options.KubernetesLabelSelector);
        Assert.Null(options.KubernetesNamespace);
        Assert.Equal(8000, options.KubernetesPort);
        Assert.Empty(options.StaticBackends);
    }

    [Fact]
    public void Kubernetes_flags_are_stored()
    {
        RouterOptions options = AssertRuns(Parse(
            "--service-discovery", "k8s", "--k8s-namespace", "inference", "--k8s-port", "8100",
            "--k8s-label-selector", "app=vllm", "--prefill-model-labels", "p1,p2", "--decode-model-labels", "d"));

        Assert.Equal("inference", options.KubernetesNamespace);
        Assert.Equal(8100, options.KubernetesPort);
        Assert.Equal("app=vllm", options.KubernetesLabelSelector);
        Assert.Equal(["p1", "p2"], options.PrefillModelLabels);
    }

    [Fact]
    public void Defaults_match_production_stack()
    {
        // production-stack's parser.py defaults, where the flag exists there.
        CommandLineResult result = Parse(MinimalArgs);
        RouterOptions options = AssertRuns(result);

        Assert.Empty(result.Warnings);
        Assert.Equal("0.0.0.0", options.Host);
        Assert.Equal(8001, options.Port);
        Assert.Equal(ServiceDiscoveryMode.Static, options.ServiceDiscovery);
        Assert.Equal(RoutingLogicNames.DisaggregatedPrefillOrchestrated, options.RoutingLogic);
        Assert.Equal(LogLevel.Information, options.LogLevel);
        Assert.False(options.LogStats);
        Assert.Equal(TimeSpan.FromSeconds(10), options.LogStatsInterval);
        Assert.Equal("vllm-router", options.OtelServiceName);
        Assert.False(options.HasStaticModels);
        Assert.Null(options.StaticBackends[0].Model);
        Assert.Null(options.BackendApiKey);
        Assert.Null(options.SocketThreads);
        Assert.False(options.Demo);
        Assert.Null(options.KubernetesNamespace);
        Assert.Equal(8000, options.KubernetesPort);
        Assert.Equal(string.Empty, options.KubernetesLabelSelector);
    }

    [Fact]
    public void Defaults_are_the_values_docs_command_line_md_documents()
    {
        // Giving each flag the default its docs table names must change nothing: a default changed in the code but
        // not in the docs (or the other way round) fails here, with the option that differs.
        string[] kubernetesArgs = ["--service-discovery", "k8s", "--prefill-model-labels", "prefill", "--decode-model-labels", "decode"];
        int compared = 0;
        foreach ((string flag, string value, bool kubernetes) in DocumentedDefaults())
        {
            string[] baseArgs = kubernetes ? kubernetesArgs : MinimalArgs;
            RouterOptions implicitDefault = AssertRuns(Parse(baseArgs));
            CommandLineResult result = Parse([.. baseArgs, flag + "=" + value]);
            Assert.True(result.Options is not null, flag + " " + value + " (its documented default) is refused: " + result.Error);
            foreach (System.Reflection.PropertyInfo property in typeof(RouterOptions).GetProperties())
            {
                object? expected = property.GetValue(implicitDefault);
                object? actual = property.GetValue(result.Options);
                bool same = expected is System.Collections.IEnumerable list and not string && actual is System.Collections.IEnumerable other
                    ? list.Cast<object?>().SequenceEqual(other.Cast<object?>())
                    : Equals(expected, actual);
                Assert.True(same, $"docs/command-line.md says {flag} defaults to {value}, but {property.Name} is {expected} by default and {actual} with it");
            }

            compared++;
        }

        Assert.True(compared >= 35, "only " + compared + " documented defaults found in docs/command-line.md");
    }

    /// <summary>
    /// The flags of docs/command-line.md's tables with a Default column whose default is a value (not "none", "off" or
    /// words): the flag, that value, and whether it belongs to the Kubernetes discovery table.
    /// </summary>
    private static List<(string Flag, string Value, bool Kubernetes)> DocumentedDefaults()
    {
        string[] lines = File.ReadAllLines(Path.Combine(Harness.RepositoryRoot.Path, "docs", "command-line.md"));
        var defaults = new List<(string, string, bool)>();
        bool defaultsTable = false;
        bool kubernetes = false;
        foreach (string line in lines)
        {
            if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                kubernetes = line.Contains("Kubernetes", StringComparison.Ordinal);
            }

            if (!line.StartsWith('|'))
            {
                defaultsTable = false;
                continue;
            }

            string[] cells = line.Split('|');
            if (cells[1].Trim() == "Flag")
            {
                defaultsTable = cells[2].Trim() == "Default";
                continue;
            }

            string documented = cells[2].Trim();
            if (!defaultsTable || !cells[1].Trim().StartsWith("`--", StringComparison.Ordinal) || !documented.StartsWith('`') || documented.StartsWith("`$", StringComparison.Ordinal))
            {
                continue;
            }

            string flag = cells[1].Trim().Trim('`').Split(' ')[0];
            string value = documented[1..documented.IndexOf('`', 1)];
            defaults.Add((flag, value == "\"\"" ? "" : value, kubernetes));
        }

        return defaults;
    }

    [Fact]
    public void Every_flag_with_a_value_is_applied()
    {
        RouterOptions options = AssertRuns(ParseWith(
            "--host", "127.0.0.1", "--port", "9000", "--log-level", "debug", "--log-stats", "--log-stats-interval", "2.5",
            "--kv-remote-host", "always", "--on-missing-kv-params", "fail", "--max-request-body-bytes", "1048576",
            "--backend-api-key", "secret", "--connect-timeout", "0.5", "--prefill-timeout", "30",
            "--decode-first-byte-timeout", "60", "--stream-idle-timeout", "120", "--pooled-connection-idle-timeout", "3",
            "--max-json-depth", "32", "--socket-threads", "3"));

        Assert.Equal("127.0.0.1", options.Host);
        Assert.Equal(9000, options.Port);
        Assert.Equal(LogLevel.Debug, options.LogLevel);
        Assert.True(options.LogStats);
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.LogStatsInterval);
        Assert.Equal(RemoteHostPolicy.Always, options.KvRemoteHost);
        Assert.Equal(MissingKvParamsPolicy.Fail, options.OnMissingKvParams);
        Assert.Equal(1048576, options.MaxRequestBodyBytes);
        Assert.Equal("secret", options.BackendApiKey);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.PrefillTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), options.DecodeFirstByteTimeout);
        Assert.Equal(TimeSpan.FromSeconds(120), options.StreamIdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), options.PooledConnectionIdleTimeout);
        Assert.Equal(32, options.MaxJsonDepth);
        Assert.Equal(3, options.SocketThreads);
    }

    [Theory]
    [InlineData("critical", LogLevel.Critical)]
    [InlineData("error", LogLevel.Error)]
    [InlineData("warning", LogLevel.Warning)]
    [InlineData("info", LogLevel.Information)]
    [InlineData("debug", LogLevel.Debug)]
    [InlineData("trace", LogLevel.Trace)]
    public void Log_levels_map_to_microsoft_levels(string value, LogLevel expected) =>
        Assert.Equal(expected, AssertRuns(ParseWith("--log-level", value)).LogLevel);

    [Theory]
    [InlineData("never", "Never")]
    [InlineData("auto", "Auto")]
    [InlineData("always", "Always")]
    public void Remote_host_policies_parse(string value, string expected) =>
        Assert.Equal(expected, AssertRuns(ParseWith("--kv-remote-host", value)).KvRemoteHost.ToString());

    [Theory]
    [InlineData("32MiB", 32L * 1024 * 1024)]
    [InlineData("512KiB", 512L * 1024)]
    [InlineData("1GiB", 1024L * 1024 * 1024)]
    [InlineData("10MB", 10_000_000L)]
    [InlineData("2kb", 2000L)]
    [InlineData("100B", 100L)]
    [InlineData("4096", 4096L)]
    public void Body_size_accepts_suffixes(string value, long expected) =>
        Assert.Equal(expected, AssertRuns(ParseWith("--max-request-body-bytes", value)).MaxRequestBodyBytes);

    [Fact]
    public void Backend_url_with_trailing_slash_and_https_is_accepted()
    {
        RouterOptions options = AssertRuns(Parse(
            "--static-backends", "https://prefill.example:8443/, http://[fd00::1]:8000",
            "--static-model-labels", "p, d", "--prefill-model-labels", "p", "--decode-model-labels", "d"));

        Assert.Equal("https", options.StaticBackends[0].Url.Scheme);
        Assert.Equal(8443, options.StaticBackends[0].Url.Port);
        Assert.Equal("[fd00::1]", options.StaticBackends[1].Url.Host);
        Assert.Equal("d", options.StaticBackends[1].Label);
    }

    [Fact]
    public void Api_key_defaults_to_VLLM_API_KEY_from_the_delegate()
    {
        var environment = new Dictionary<string, string> { ["VLLM_API_KEY"] = "from-env" };
        Assert.Equal("from-env", AssertRuns(Parse(environment, MinimalArgs)).BackendApiKey);
    }

    [Fact]
    public void Api_key_flag_wins_over_the_environment()
    {
        var environment = new Dictionary<string, string> { ["VLLM_API_KEY"] = "from-env" };
        Assert.Equal("from-flag", AssertRuns(Parse(environment, [.. MinimalArgs, "--backend-api-key", "from-flag"])).BackendApiKey);
    }

    [Fact]
    public void Empty_api_key_means_none_even_when_the_environment_has_one()
    {
        var environment = new Dictionary<string, string> { ["VLLM_API_KEY"] = "from-env" };
        Assert.Null(AssertRuns(Parse(environment, [.. MinimalArgs, "--backend-api-key="])).BackendApiKey);
        Assert.Null(AssertRuns(Parse(new Dictionary<string, string> { ["VLLM_API_KEY"] = "" }, MinimalArgs)).BackendApiKey);
    }

    [Fact]
    public void Demo_needs_no_backends()
    {
        RouterOptions options = AssertRuns(Parse("--demo"));
        Assert.True(options.Demo);
        Assert.Empty(options.StaticBackends);
    }

    [Fact]
    public void Demo_with_backends_is_validated_as_usual()
    {
        RouterOptions options = AssertRuns(ParseWith("--demo"));
        Assert.True(options.Demo);
        Assert.Equal(2, options.StaticBackends.Count);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_exits_zero_with_every_flag(string flag)
    {
        CommandLineResult result = Parse("--port", "not-a-port", flag);

        Assert.Null(result.Options);
        Assert.Equal(0, result.ExitCode);
        Assert.NotNull(result.Output);
        Assert.StartsWith("usage: fastrouter", result.Output, StringComparison.Ordinal);
        foreach (CommandLineFlag known in RouterFlags.All)
        {
            Assert.Contains(known.Name, result.Output, StringComparison.Ordinal);
        }

        Assert.Contains("production-stack compatible", result.Output, StringComparison.Ordinal);
        Assert.Contains("FastRouter additions", result.Output, StringComparison.Ordinal);
        Assert.Contains("Kubernetes", result.Output, StringComparison.Ordinal);
        Assert.Contains("(default: 8001)", result.Output, StringComparison.Ordinal);
        Assert.Contains("(default: 10)", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Version_prints_the_informational_version_without_build_metadata()
    {
        CommandLineResult result = Parse("--version");

        Assert.Equal(0, result.ExitCode);
        Assert.Null(result.Options);
        Assert.Matches(@"^fastrouter [0-9]+\.[0-9]+\.[0-9]+[^+\s]*\n$", result.Output);
        Assert.Equal("fastrouter " + RouterCommandLine.GetVersion() + "\n", result.Output);
    }

    [Fact]
    public void Negative_number_is_taken_as_a_value_not_a_flag() =>
        AssertFails(ParseWith("--port", "-1"), "--port", "'-1'");
}
