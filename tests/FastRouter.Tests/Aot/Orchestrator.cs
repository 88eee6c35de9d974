using System.Globalization;
using System.Text.Json;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Aot;

/// <summary>
/// The binary three times, as a user runs it with the seed's arguments: a prefill simulator pod, a decode simulator
/// pod and the router in front of them with static discovery. The prefill pod listens on 127.0.0.2 and advertises
/// "localhost", so a handoff only works if the router points remote_host at the pod, as it must in a cluster.
/// </summary>
internal sealed class Orchestrator : IAsyncDisposable
{
    private readonly NativeProcess _prefill;
    private readonly NativeProcess _decode;
    private readonly Uri _prefillStats;
    private readonly Uri _decodeStats;

    private Orchestrator(NativeProcess prefill, NativeProcess decode, NativeProcess router, HttpClient client, Uri prefillStats, Uri decodeStats)
    {
        _decodeStats = decodeStats;
        _prefill = prefill;
        _decode = decode;
        Router = router;
        Client = client;
        _prefillStats = prefillStats;
    }

    public NativeProcess Router { get; }

    /// <summary>A client of the router (its base address), with a 20 s timeout.</summary>
    public HttpClient Client { get; }

    /// <summary>Starts the three processes and waits until each serves; <paramref name="decodeArgs"/> go to the decode pod.</summary>
    public static Task<Orchestrator> StartAsync(string binary, string routerLogLevel, params string[] decodeArgs) =>
        StartAsync(binary, routerLogLevel, decodeArgs, unreachableDecodePort: null);

    /// <summary>
    /// As <see cref="StartAsync(string, string, string[])"/>, with a second decode backend on a port nothing listens
    /// on; the router offers the two in turn (round robin, no active probes), so requests meet the dead one.
    /// </summary>
    public static Task<Orchestrator> StartWithUnreachableDecodeAsync(string binary, string routerLogLevel) =>
        StartAsync(binary, routerLogLevel, [], FreePort.Get());

    private static async Task<Orchestrator> StartAsync(string binary, string routerLogLevel, string[] decodeArgs, int? unreachableDecodePort)
    {
        string prefillPort = FreePort.Get().ToString(CultureInfo.InvariantCulture);
        string decodePort = FreePort.Get().ToString(CultureInfo.InvariantCulture);
        string routerPort = FreePort.Get().ToString(CultureInfo.InvariantCulture);
        NativeProcess prefill = NativeProcess.Start(binary, "sim", "--role", "prefill", "--host", "127.0.0.2", "--port", prefillPort);
        NativeProcess decode = NativeProcess.Start(binary, ["sim", "--role", "decode", "--host", "127.0.0.1", "--port", decodePort, .. decodeArgs]);
        string backends = $"http://127.0.0.2:{prefillPort},http://127.0.0.1:{decodePort}";
        string models = "llama31-8b,llama31-8b";
        string labels = "prefill,decode";
        string[] selection = [];
        if (unreachableDecodePort is int dead)
        {
            backends += ",http://127.0.0.1:" + dead.ToString(CultureInfo.InvariantCulture);
            models += ",llama31-8b";
            labels += ",decode";
            selection = ["--pod-selection", "round-robin", "--active-health-checks", "off"];
        }

        NativeProcess router = NativeProcess.Start(
            binary,
            [
                "--host", "127.0.0.1",
                "--port", routerPort,
                "--service-discovery", "static",
                "--static-backends=" + backends,
                "--static-models", models,
                "--static-model-labels", labels,
                "--routing-logic=disaggregated_prefill_orchestrated",
                "--prefill-model-labels=prefill",
                "--decode-model-labels=decode",
                "--log-level", routerLogLevel,
                .. selection,
            ]);
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{routerPort}"), Timeout = TimeSpan.FromSeconds(20) };
        var orchestrator = new Orchestrator(prefill, decode, router, client, new Uri($"http://127.0.0.2:{prefillPort}/sim/stats"), new Uri($"http://127.0.0.1:{decodePort}/sim/stats"));
        try
        {
            await prefill.WaitUntilServingAsync(client, $"http://127.0.0.2:{prefillPort}/health");
            await decode.WaitUntilServingAsync(client, $"http://127.0.0.1:{decodePort}/health");
            await router.WaitUntilServingAsync(client, "/health");
            return orchestrator;
        }
        catch
        {
            await orchestrator.DisposeAsync();
            throw;
        }
    }

    /// <summary>The KV blocks the prefill pod holds for decodes that have not pulled them.</summary>
    public async Task<int> HeldKvBlocksAsync()
    {
        using JsonDocument stats = JsonDocument.Parse(await Client.GetStringAsync(_prefillStats));
        return stats.RootElement.GetProperty("held_kv_blocks").GetInt32();
    }

    /// <summary>
    /// The held blocks once they reach 0, or after 10 s: releases that follow a request (a decode told to pull,
    /// an abort) land a moment after the client's answer.
    /// </summary>
    public Task<int> HeldKvBlocksOnceSettledAsync() => Eventually.ValueAsync(HeldKvBlocksAsync, held => held == 0, TimeSpan.FromSeconds(10));

    /// <summary>
    /// The decode pod's count of requests its client (the router) aborted, and when the last one was, on the system
    /// clock (null before any).
    /// </summary>
    public async Task<(long Aborts, DateTimeOffset? LastAbortAt)> DecodeAbortsAsync()
    {
        using JsonDocument stats = JsonDocument.Parse(await Client.GetStringAsync(_decodeStats));
        long micros = stats.RootElement.GetProperty("last_client_abort_unix_us").GetInt64();
        return (stats.RootElement.GetProperty("client_aborts").GetInt64(), micros == 0 ? null : DateTimeOffset.UnixEpoch.AddTicks(micros * 10));
    }

    public ValueTask DisposeAsync()
    {
        Client.Dispose();
        Router.Dispose();
        _decode.Dispose();
        _prefill.Dispose();
        return ValueTask.CompletedTask;
    }
}
