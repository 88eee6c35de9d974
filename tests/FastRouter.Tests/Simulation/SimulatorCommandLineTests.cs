using System.Globalization;
using FastRouter.Simulation;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Simulation;

public sealed class SimulatorCommandLineTests
{
    [Fact]
    public void Prefill_Defaults()
    {
        SimulatorOptions options = SimulatorCommandLine.Parse(["--role", "prefill"]).Options!;

        Assert.Equal(SimulatorRole.Prefill, options.Role);
        Assert.Equal("127.0.0.1", options.Host);
        Assert.Equal(8100, options.Port);
        Assert.Equal(8101, options.SideChannelPort);
        Assert.Equal("llama31-8b", options.Model);
        Assert.Equal(KvParamsShape.Current, options.KvShape);
        Assert.Equal("localhost", options.AdvertisedSideChannelHost);
        Assert.Equal(TimeSpan.Zero, options.InterTokenLatency);
        Assert.Null(options.ApiKey);
    }

    [Fact]
    public void EngineModelFlags_AreReadAndOffByDefault()
    {
        SimulatorOptions defaults = SimulatorCommandLine.Parse(["--role", "decode"]).Options!;
        Assert.Equal(0, defaults.CacheBlocks);
        Assert.False(defaults.MetricsHang);

        SimulatorOptions options = SimulatorCommandLine.Parse(
            ["--role", "decode", "--cache-blocks", "4096", "--block-tokens=32", "--max-batch-tokens", "2048", "--itl-per-stream-ms", "0.5",
             "--kv-pull-tokens-per-second", "100000", "--metrics-fault", "hang"]).Options!;
        Assert.Equal(4096, options.CacheBlocks);
        Assert.Equal(32, options.BlockTokens);
        Assert.Equal(2048, options.MaxBatchTokens);
        Assert.Equal(TimeSpan.FromMilliseconds(0.5), options.InterTokenLatencyPerStream);
        Assert.Equal(100000, options.KvPullTokensPerSecond);
        Assert.True(options.MetricsHang);
        Assert.NotNull(SimulatorCommandLine.Parse(["--role", "decode", "--metrics-fault", "slow"]).Error);
    }

    [Fact]
    public void RealisticProfile_ThenExplicitFlagsOverrideIt_InAnyOrder()
    {
        SimulatorOptions options = SimulatorCommandLine.Parse(
            ["--itl-ms=3", "--role", "decode", "--profile", "realistic", "--port", "0", "--kv-shape", "legacy", "--api-key", "k", "--lease-seconds", "1.5"]).Options!;

        Assert.Equal(SimulatorRole.Decode, options.Role);
        Assert.Equal(TimeSpan.FromMilliseconds(15), options.PrefillBaseLatency);
        Assert.Equal(35000, options.PrefillTokensPerSecond);
        Assert.Equal(TimeSpan.FromMilliseconds(3), options.InterTokenLatency);
        Assert.Equal(0, options.Port);
        Assert.Equal(0, options.SideChannelPort);
        Assert.Equal(KvParamsShape.Legacy, options.KvShape);
        Assert.Equal("k", options.ApiKey);
        Assert.Equal(TimeSpan.FromSeconds(1.5), options.KvLeaseDuration);
    }

    [Theory]
    [InlineData]
    [InlineData("--role", "both")]
    [InlineData("--role", "prefill", "--port", "70000")]
    [InlineData("--role", "prefill", "--port")]
    [InlineData("--role", "prefill", "--frobnicate", "1")]
    [InlineData("--role", "prefill", "--kv-shape", "weird")]
    [InlineData("--role", "prefill", "--profile", "fast")]
    [InlineData("--role", "prefill", "--itl-ms", "-1")]
    [InlineData("--role", "prefill", "stray")]
    public void BadArguments_Exit2WithMessage(params string[] args)
    {
        SimulatorCommandLineResult result = SimulatorCommandLine.Parse(args);

        Assert.Null(result.Options);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("fastrouter sim:", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_PrintsUsage_Exit0()
    {
        SimulatorCommandLineResult result = SimulatorCommandLine.Parse(["--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--kv-shape", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_ServesUntilCancelled_ThenExits0()
    {
        int port = FreePort.Get();
        int sideChannelPort = FreePort.Get();
        using var stop = new CancellationTokenSource();
        Task<int> running = SimulatorCommand.RunAsync(
            ["--role", "prefill", "--port", port.ToString(CultureInfo.InvariantCulture), "--side-channel-port", sideChannelPort.ToString(CultureInfo.InvariantCulture)],
            stop.Token);
        using var client = new HttpClient();

        Assert.True(await Eventually.TrueAsync(() => IsHealthy(client, port)), "the simulator never answered /health");
        await stop.CancelAsync();

        Assert.Equal(0, await running);
        Assert.False(IsHealthy(client, port));
    }

    [Fact]
    public async Task Command_BadArguments_Exit2()
    {
        Assert.Equal(2, await SimulatorCommand.RunAsync(["--role"], CancellationToken.None));
    }

    private static bool IsHealthy(HttpClient client, int port)
    {
        try
        {
            using HttpResponseMessage response = client.GetAsync(new Uri($"http://127.0.0.1:{port}/health")).GetAwaiter().GetResult();
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
