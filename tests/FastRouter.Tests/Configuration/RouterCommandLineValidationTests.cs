using static FastRouter.Tests.Configuration.CommandLineTestHelpers;

namespace FastRouter.Tests.Configuration;

/// <summary>Refused command lines: exit code 2 and a message naming the flag and the bad value.</summary>
public sealed class RouterCommandLineValidationTests
{
    private const string Backends = "http://10.0.0.1:8000,http://10.0.0.2:8000";

    [Theory]
    [InlineData("roundrobin")]
    [InlineData("session")]
    [InlineData("kvaware")]
    [InlineData("prefixaware")]
    [InlineData("disaggregated_prefill")]
    public void Production_stack_routing_logics_are_refused_as_not_implemented(string logic) =>
        AssertFails(ParseWith("--routing-logic", logic), "--routing-logic", "'" + logic + "'", "implements only 'disaggregated_prefill_orchestrated'");

    [Fact]
    public void Unknown_routing_logic_lists_the_valid_one() =>
        AssertFails(ParseWith("--routing-logic", "random"), "--routing-logic", "invalid choice: 'random'", "'disaggregated_prefill_orchestrated'");

    [Theory]
    [InlineData("--service-discovery", "dns", "'static', 'k8s'")]
    [InlineData("--service-discovery", "external-only", "'static', 'k8s'")]
    [InlineData("--log-level", "verbose", "'critical', 'error', 'warning', 'info', 'debug', 'trace'")]
    [InlineData("--log-level", "INFO", "'info'")]
    [InlineData("--kv-remote-host", "sometimes", "'auto', 'always', 'never'")]
    [InlineData("--on-missing-kv-params", "retry", "'fallback', 'fail'")]
    public void Bad_enum_values_list_the_valid_ones(string flag, string value, string choices) =>
        AssertFails(ParseWith(flag, value), flag, "'" + value + "'", choices);

    [Theory]
    [InlineData("prefill", "--static-model-labels")]
    [InlineData("prefill,decode,decode", "--static-model-labels")]
    public void Labels_must_line_up_with_backends(string labels, string flag) =>
        AssertFails(
            Parse("--static-backends", Backends, "--static-model-labels", labels, "--prefill-model-labels", "prefill", "--decode-model-labels", "decode"),
            flag, "'" + labels + "'", "has 2");

    [Fact]
    public void Models_must_line_up_with_backends() =>
        AssertFails(ParseWith("--static-models", "llama31-8b"), "--static-models", "'llama31-8b'", "--static-backends has 2");

    [Theory]
    [InlineData("not a url")]
    [InlineData("10.0.0.1:8000")]
    [InlineData("/var/run/vllm.sock")]
    [InlineData("ftp://10.0.0.1:8000")]
    [InlineData("http://10.0.0.1:8000/v1")]
    [InlineData("http://10.0.0.1:8000?x=1")]
    [InlineData("http://10.0.0.1:8000/#frag")]
    [InlineData("http://user:pw@10.0.0.1:8000")]
    public void Bad_backend_urls_are_refused(string url) =>
        AssertFails(
            Parse("--static-backends", url + ",http://10.0.0.2:8000", "--static-model-labels", "prefill,decode", "--prefill-model-labels", "prefill", "--decode-model-labels", "decode"),
            "--static-backends", "'" + url + "'");

    [Theory]
    [InlineData("http://10.0.0.1:8000,,http://10.0.0.2:8000")]
    [InlineData("http://10.0.0.1:8000,")]
    [InlineData("")]
    public void Empty_items_in_backend_list_are_refused(string backends) =>
        AssertFails(
            Parse("--static-backends", backends, "--static-model-labels", "prefill,decode", "--prefill-model-labels", "prefill", "--decode-model-labels", "decode"),
            "--static-backends", "empty item");

    [Fact]
    public void Bad_backend_url_is_reported_before_missing_role_labels() =>
        AssertFails(Parse("--static-backends", "http://10.0.0.1:8000/v1", "--static-model-labels", "prefill"), "--static-backends", "'http://10.0.0.1:8000/v1'");

    [Fact]
    public void Duplicate_backend_is_refused() =>
        AssertFails(
            Parse("--static-backends", "http://10.0.0.1:8000,http://10.0.0.1:8000/", "--static-model-labels", "prefill,decode", "--prefill-model-labels", "prefill", "--decode-model-labels", "decode"),
            "--static-backends", "more than once");

    [Fact]
    public void Static_mode_without_backends_is_refused() =>
        AssertFails(Parse("--static-model-labels", "prefill,decode", "--prefill-model-labels", "prefill", "--decode-model-labels", "decode"), "--static-backends", "--demo");

    [Fact]
    public void Static_mode_without_model_labels_is_refused() =>
        AssertFails(Parse("--static-backends", Backends, "--prefill-model-labels", "prefill", "--decode-model-labels", "decode"), "--static-model-labels");

    [Theory]
    [InlineData("--prefill-model-labels")]
    [InlineData("--decode-model-labels")]
    public void Missing_role_label_list_is_refused(string missing)
    {
        var args = new List<string> { "--static-backends", Backends, "--static-model-labels", "prefill,decode" };
        if (missing != "--prefill-model-labels")
        {
            args.AddRange(["--prefill-model-labels", "prefill"]);
        }

        if (missing != "--decode-model-labels")
        {
            args.AddRange(["--decode-model-labels", "decode"]);
        }

        AssertFails(Parse([.. args]), missing, "required");
    }

    [Fact]
    public void Role_label_lists_are_required_in_k8s_mode_too() =>
        AssertFails(Parse("--service-discovery", "k8s", "--prefill-model-labels", "prefill"), "--decode-model-labels");

    [Fact]
    public void No_prefill_backend_is_refused() =>
        AssertFails(
            Parse("--static-backends", Backends, "--static-model-labels", "decode,decode", "--prefill-model-labels", "prefill", "--decode-model-labels", "decode"),
            "--prefill-model-labels", "no backend");

    [Fact]
    public void No_decode_backend_is_refused() =>
        AssertFails(
            Parse("--static-backends", Backends, "--static-model-labels", "prefill,prefill", "--prefill-model-labels", "prefill", "--decode-model-labels", "decode"),
            "--decode-model-labels", "no backend");

    [Fact]
    public void Label_in_both_lists_is_refused() =>
        AssertFails(
            Parse("--static-backends", Backends, "--static-model-labels", "prefill,decode", "--prefill-model-labels", "prefill,both", "--decode-model-labels", "decode,both"),
            "--decode-model-labels", "'both'", "--prefill-model-labels");

    [Fact]
    public void Backend_with_an_unused_label_is_a_warning()
    {
        var result = Parse("--static-backends", "http://10.0.0.1:8000,http://10.0.0.2:8000,http://10.0.0.3:8000",
            "--static-model-labels", "prefill,decode,spare", "--prefill-model-labels", "prefill", "--decode-model-labels", "decode");

        AssertRuns(result);
        string warning = Assert.Single(result.Warnings);
        Assert.Contains("http://10.0.0.3:8000", warning, StringComparison.Ordinal);
        Assert.Contains("'spare'", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--port", "70000")]
    [InlineData("--port", "-1")]
    [InlineData("--port", "80a")]
    [InlineData("--port", "")]
    [InlineData("--k8s-port", "0")]
    [InlineData("--max-json-depth", "0")]
    [InlineData("--max-json-depth", "100000")]
    [InlineData("--socket-threads", "0")]
    [InlineData("--socket-threads", "-2")]
    [InlineData("--socket-threads", "257")]
    [InlineData("--socket-threads", "two")]
    [InlineData("--socket-threads", "")]
    public void Bad_integers_are_refused(string flag, string value)
    {
        string[] args = flag == "--k8s-port"
            ? ["--service-discovery", "k8s", "--prefill-model-labels", "p", "--decode-model-labels", "d", flag, value]
            : [.. MinimalArgs, flag, value];
        AssertFails(Parse(args), flag, "'" + value + "'");
    }

    [Theory]
    [InlineData("--connect-timeout", "0")]
    [InlineData("--prefill-timeout", "-5")]
    [InlineData("--decode-first-byte-timeout", "abc")]
    [InlineData("--stream-idle-timeout", "1e400")]
    [InlineData("--pooled-connection-idle-timeout", "NaN")]
    [InlineData("--log-stats-interval", "0")]
    [InlineData("--connect-timeout", "0,5")]
    [InlineData("--stream-idle-timeout", "99999999")]
    public void Bad_durations_are_refused(string flag, string value) =>
        AssertFails(ParseWith(flag, value), flag, "'" + value + "'");

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("32XB")]
    [InlineData("MiB")]
    [InlineData("1.5MiB")]
    [InlineData("99999999999GiB")]
    public void Bad_body_sizes_are_refused(string value) =>
        AssertFails(ParseWith("--max-request-body-bytes", value), "--max-request-body-bytes", "'" + value + "'");

    [Theory]
    [InlineData("Default")]
    [InlineData("-ns")]
    [InlineData("")]
    public void Bad_namespace_is_refused(string value) =>
        AssertFails(Parse("--service-discovery", "k8s", "--prefill-model-labels", "p", "--decode-model-labels", "d", "--k8s-namespace", value), "--k8s-namespace");

    [Fact]
    public void Blank_host_is_refused() => AssertFails(ParseWith("--host", " "), "--host");

    [Theory]
    [InlineData("--port")]
    [InlineData("--static-backends")]
    [InlineData("--backend-api-key")]
    public void Flag_missing_its_value_is_refused(string flag)
    {
        AssertFails(ParseWith(flag), "argument " + flag + ": expected one argument");
        AssertFails(Parse([flag, "--log-stats", .. MinimalArgs]), "argument " + flag + ": expected one argument");
    }

    [Fact]
    public void Switch_with_a_value_is_refused() =>
        AssertFails(ParseWith("--log-stats=true"), "--log-stats", "'true'");

    [Fact]
    public void Repeated_flag_is_refused_naming_both_values() =>
        AssertFails(ParseWith("--port", "8001", "--port=9000"), "--port", "'8001'", "'9000'", "more than once");

    [Fact]
    public void Repeated_switch_is_refused() =>
        AssertFails(ParseWith("--log-stats", "--log-stats"), "--log-stats", "more than once");

    [Fact]
    public void Unknown_flags_are_unrecognized_arguments() =>
        AssertFails(ParseWith("--frobnicate", "7", "-x", "extra"), "unrecognized arguments: --frobnicate 7 -x extra");

    [Fact]
    public void Abbreviated_flags_are_not_expanded() =>
        AssertFails(ParseWith("--rout", "disaggregated_prefill_orchestrated"), "unrecognized arguments: --rout");

    [Fact]
    public void Static_flags_are_refused_in_k8s_mode() =>
        AssertFails(Parse("--service-discovery", "k8s", "--static-backends", Backends, "--prefill-model-labels", "p", "--decode-model-labels", "d"),
            "--static-backends", "k8s");

    [Fact]
    public void K8s_flags_are_refused_in_static_mode() =>
        AssertFails(ParseWith("--k8s-namespace", "inference"), "--k8s-namespace", "static");

    [Fact]
    public void Demo_is_refused_with_k8s() =>
        AssertFails(Parse("--demo", "--service-discovery", "k8s"), "--demo", "k8s");

    [Fact]
    public void Demo_without_backends_refuses_models_or_labels() =>
        AssertFails(Parse("--demo", "--static-models", "m"), "--static-models", "--demo");
}
