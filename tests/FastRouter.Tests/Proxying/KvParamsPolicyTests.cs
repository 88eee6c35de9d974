using System.Text.Json;
using FastRouter.Configuration;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Proxying;

/// <summary>
/// remote_host and missing-params policies against real pods. The prefill pod listens on 127.0.0.2 while it
/// advertises "localhost" (like an engine with VLLM_NIXL_SIDE_CHANNEL_HOST unset): a decode pod that is
/// sent "localhost" cannot reach its side channel, exactly the failure a real cluster shows.
/// </summary>
public sealed class KvParamsPolicyTests
{
    private static readonly string Body = RequestBodies.Completion(2);

    private static SimulatorOptions PrefillOnOtherHost(string advertised = "localhost", KvParamsShape shape = KvParamsShape.Current) =>
        new() { Role = SimulatorRole.Prefill, Host = "127.0.0.2", AdvertisedSideChannelHost = advertised, KvShape = shape };

    [Fact]
    public async Task Auto_ReplacesALoopbackRemoteHostWithThePrefillPodsHost()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(prefill: PrefillOnOtherHost());

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", Body);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("127.0.0.2", DecodeRemoteHost(harness));
        Assert.Equal(0, harness.Prefill[0].HeldKvBlocks);
    }

    [Fact]
    public async Task Never_PassesRemoteHostThrough_SoAWrongHostFailsVisibly()
    {
        // Retries off: with one pod per role every retry would fail the same way (the resilience tests cover that).
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { KvRemoteHost = RemoteHostPolicy.Never, MaxRetries = 0 }, PrefillOnOtherHost());

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", Body);

        var error = await OpenAiErrorAssert.IsErrorAsync(response, 500, "InternalServerError");
        Assert.Contains("KV", error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("localhost", DecodeRemoteHost(harness));

        // The failed decode may not have pulled the blocks, so its only pod was sent the params once more to release
        // them, and failed the same way.
        Assert.Equal(2, harness.Decode[0].Stats.KvPullsFailed);
    }

    [Fact]
    public async Task Always_OverwritesRemoteHost()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { KvRemoteHost = RemoteHostPolicy.Always }, PrefillOnOtherHost("127.0.0.9"));

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", Body);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("127.0.0.2", DecodeRemoteHost(harness));
    }

    [Fact]
    public async Task MissingParams_Fallback_SendsThePlainRequestToDecode()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(prefill: new SimulatorOptions { Role = SimulatorRole.Prefill, KvShape = KvParamsShape.Null });

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", Body);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(Body, System.Text.Encoding.UTF8.GetString(Assert.Single(harness.Decode[0].ReceivedRequests).Body));
        Assert.Equal(1, harness.Decode[0].Stats.DecodesRecomputed);
        Assert.Contains(harness.Logs.Lines, l => l.EventId.Id == 10 && l.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Fact]
    public async Task MissingParams_Fail_AnswersAnErrorAndNeverCallsDecode()
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(
            o => o with { OnMissingKvParams = MissingKvParamsPolicy.Fail },
            new SimulatorOptions { Role = SimulatorRole.Prefill, KvShape = KvParamsShape.Null });

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", Body);

        var error = await OpenAiErrorAssert.IsErrorAsync(response, 502, "BadGatewayError");
        Assert.Contains("kv_transfer_params", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(harness.Decode[0].ReceivedRequests);
    }

    public static TheoryData<string> NotAHost => new()
    {
        "10.0.0.1:80/..",
        "prefill-0/../../admin",
        "host\u0000name",
        "evil\r\nHost: x",
        "a b",
        "-leading-hyphen",
        new string('a', 64) + ".example",
        new string('h', 100_000),
    };

    [Theory]
    [MemberData(nameof(NotAHost))]
    public async Task Auto_ReplacesARemoteHostThatIsNoHost_AndSaysSo(string advertised)
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(prefill: PrefillOnOtherHost(advertised));

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", Body);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("127.0.0.2", DecodeRemoteHost(harness));
        Assert.Contains(harness.Logs.Lines, l => l.EventId.Id == 23 && l.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.Equal(0, harness.Prefill[0].HeldKvBlocks);
    }

    [Theory]
    [MemberData(nameof(NotAHost))]
    public async Task Never_RefusesARemoteHostThatIsNoHost_AndNeverCallsDecode(string advertised)
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync(o => o with { KvRemoteHost = RemoteHostPolicy.Never }, PrefillOnOtherHost(advertised));

        using HttpResponseMessage response = await harness.PostAsync("/v1/completions", Body);

        var error = await OpenAiErrorAssert.IsErrorAsync(response, 502, "BadGatewayError");
        Assert.Contains("remote_host", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(harness.Decode[0].ReceivedRequests);
        Assert.Contains(harness.Logs.Lines, l => l.EventId.Id == 24 && l.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Theory]
    [InlineData("prefill-0.prefill.default.svc.cluster.local")]
    [InlineData("10.0.0.5")]
    [InlineData("fd00::5")]
    [InlineData("[fd00::5]")]
    [InlineData("ip-10-0-0-5.ec2.internal.")]
    public void RealHosts_AreHosts(string host) => Assert.True(FastRouter.Protocol.PrefillAnswerReader.IsHostNameOrAddress(host));

    [Theory]
    [InlineData("10.0.0.5:5600")]
    [InlineData("[fd00::5]:5600")]
    [InlineData("[10.0.0.5]")]
    [InlineData("a..b")]
    [InlineData("trailing-.example")]
    [InlineData("http://10.0.0.5")]
    [InlineData(" 10.0.0.5")]
    public void NearMisses_AreNoHosts(string host) => Assert.False(FastRouter.Protocol.PrefillAnswerReader.IsHostNameOrAddress(host));

    private static string? DecodeRemoteHost(RouterTestHarness harness)
    {
        using JsonDocument decode = JsonDocument.Parse(harness.Decode[0].ReceivedRequests[0].Body);
        return decode.RootElement.GetProperty("kv_transfer_params").GetProperty("remote_host").GetString();
    }
}
