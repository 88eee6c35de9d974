using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FastRouter.Hosting;

namespace FastRouter.Benchmarks;

/// <summary>
/// Managed allocation per orchestrated request and per relayed SSE event, end to end: the router runs in this
/// process (JIT, Release, the same library the AOT binary is built from); simulator pods and the load generator
/// run in their own processes, so <see cref="GC.GetTotalAllocatedBytes(bool)"/> counts the router alone
/// (Kestrel, HttpClient, the proxy, timers and health probes included). Each scenario has an unrecorded
/// warm-up run first.
/// <code>
/// dotnet run -c Release --project loadtests/FastRouter.Benchmarks -- alloc-probe \
///   --prefill http://127.0.0.1:18100 --decode http://127.0.0.1:18200 --loadgen artifacts/loadtests/FastRouter.LoadTests.dll
///   [--long-tokens N] [--long-concurrency N] [--allocation-ticks] [--ticks-after S [--window S]] [--streams N]
///   [--log-level info|warning]
/// </code>
/// <c>--log-level</c> (default <c>warning</c>): <c>info</c> adds the per-request log lines, whose allocation is then
/// counted too (they go to this process's standard output).
/// </summary>
public static class AllocationProbe
{
    public static async Task<int> RunAsync(string[] args)
    {
        string prefill = Arg(args, "--prefill", "http://127.0.0.1:18100");
        string decode = Arg(args, "--decode", "http://127.0.0.1:18200");
        string loadgen = Arg(args, "--loadgen", "artifacts/loadtests/FastRouter.LoadTests.dll");
        string port = Arg(args, "--port", "18901");
        string seconds = Arg(args, "--seconds", "6");
        int longTokens = int.Parse(Arg(args, "--long-tokens", "4104"), CultureInfo.InvariantCulture);
        // More than one long stream at once gives the allocation-tick trace enough samples to name a paced event's cost.
        string longConcurrency = Arg(args, "--long-concurrency", "1");
        string longName = "chat-stream " + longTokens.ToString(CultureInfo.InvariantCulture) + " tokens c=" + longConcurrency;
        string outDir = Arg(args, "--out", Path.Combine(Path.GetTempPath(), "fastrouter-alloc-probe"));
        string logLevel = Arg(args, "--log-level", "warning");

        string[] routerArgs =
        [
            "--host", "127.0.0.1", "--port", port, "--service-discovery", "static", "--static-backends", prefill + "," + decode,
            "--static-model-labels", "prefill,decode", "--static-models", "llama31-8b,llama31-8b",
            "--routing-logic", "disaggregated_prefill_orchestrated", "--prefill-model-labels", "prefill",
            "--decode-model-labels", "decode", "--log-level", logLevel,
        ];
        Task<int> router = Task.Run(() => FastRouterProgram.RunAsync(routerArgs, FastRouter.Simulation.SimulatorCommand.RunAsync, static _ => throw new NotSupportedException("no demo in the probe")));
        string target = "http://127.0.0.1:" + port;
        using (var probe = new HttpClient())
        {
            for (int i = 0; ; i++)
            {
                try
                {
                    if ((await probe.GetAsync(new Uri(target + "/livez")).ConfigureAwait(false)).IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (HttpRequestException) when (i < 500)
                {
                }

                await Task.Delay(20).ConfigureAwait(false);
            }
        }

        if (Array.IndexOf(args, "--streams") is int si and >= 0)
        {
            return await HoldStreamsAsync(loadgen, target, args[si + 1], outDir).ConfigureAwait(false);
        }

        // Idle allocation rate (timers, health probes): shown so it can be told apart from per-request cost.
        long idle0 = GC.GetTotalAllocatedBytes(precise: true);
        await Task.Delay(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        long idle1 = GC.GetTotalAllocatedBytes(precise: true);
        double idleRate = (idle1 - idle0) / 3.0;
        Console.WriteLine(FormattableString.Invariant($"idle: {idleRate:F0} B/s"));

        (string Name, string[] Load)[] scenarios =
        [
            ("chat c=1", ["--scenario", "chat", "--concurrency", "1"]),
            ("chat c=64", ["--scenario", "chat", "--concurrency", "64"]),
            ("chat-stream 8 tokens c=1", ["--scenario", "chat-stream", "--concurrency", "1", "--max-tokens", "8"]),
            (longName, ["--scenario", "chat-stream", "--concurrency", longConcurrency, "--max-tokens", longTokens.ToString(CultureInfo.InvariantCulture)]),
        ];
        var perRequest = new Dictionary<string, double>();
        var perRequestNetOfIdle = new Dictionary<string, double>();
        bool ticks = Array.IndexOf(args, "--allocation-ticks") >= 0;
        double ticksAfter = double.Parse(Arg(args, "--ticks-after", "0"), CultureInfo.InvariantCulture);
        double window = double.Parse(Arg(args, "--window", "0"), CultureInfo.InvariantCulture);
        foreach ((string name, string[] load) in scenarios)
        {
            await RunLoadAsync(loadgen, target, load, "2", Path.Combine(outDir, "warm")).ConfigureAwait(false);
            long before = GC.GetTotalAllocatedBytes(precise: true);
            long started = Stopwatch.GetTimestamp();
            Task<long> run = RunLoadAsync(loadgen, target, load, seconds, Path.Combine(outDir, "run"));

            // --ticks-after S: trace only from S seconds into the run, once streams are running, so what they
            // allocate per event is not drowned by what starting them allocates.
            await Task.Delay(TimeSpan.FromSeconds(ticksAfter)).ConfigureAwait(false);
            using AllocationTickListener? listener = ticks ? new AllocationTickListener() : null;
            if (window > 0 && name == longName)
            {
                await PrintSteadyStateAsync(target, window, idleRate).ConfigureAwait(false);
            }

            long requests = await run.ConfigureAwait(false);
            double elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
            long after = GC.GetTotalAllocatedBytes(precise: true);
            double bytes = (after - before) / (double)requests;
            perRequest[name] = bytes;

            // Paced streams last long: what the router allocates per second anyway (timers, probes) would otherwise
            // be counted per event. Net of idle subtracts the idle rate over the run's wall time.
            double net = (after - before - (idleRate * elapsed)) / requests;
            perRequestNetOfIdle[name] = net;
            Console.WriteLine(FormattableString.Invariant($"{name}: {requests} requests in {elapsed:F1} s, {after - before} B, {bytes:F0} B/request ({net:F0} net of idle)"));
            listener?.Print();
        }

        double perEvent = (perRequest[longName] - perRequest["chat-stream 8 tokens c=1"]) / (longTokens - 8);
        double perEventNet = (perRequestNetOfIdle[longName] - perRequestNetOfIdle["chat-stream 8 tokens c=1"]) / (longTokens - 8);
        Console.WriteLine(FormattableString.Invariant($"per relayed event ({longTokens} vs 8 tokens, {longTokens - 8} more events per stream): {perEvent:F2} B ({perEventNet:F2} B net of idle)"));
        Environment.Exit(0);
        return await router.ConfigureAwait(false);
    }

    /// <summary>
    /// --window S (with --ticks-after): bytes allocated per relayed event while the long streams are all running, from
    /// the router's own count of relayed events (the inter-event-gap histogram). The /metrics scrapes that count them
    /// happen outside the measured window, so their own allocation is not counted.
    /// </summary>
    private static async Task PrintSteadyStateAsync(string target, double window, double idleRate)
    {
        using var client = new HttpClient();
        double events0 = await RelayedEventsAsync(client, target).ConfigureAwait(false);
        long bytes0 = GC.GetTotalAllocatedBytes(precise: true);
        await Task.Delay(TimeSpan.FromSeconds(window)).ConfigureAwait(false);
        long bytes1 = GC.GetTotalAllocatedBytes(precise: true);
        double events1 = await RelayedEventsAsync(client, target).ConfigureAwait(false);
        double events = events1 - events0;
        double net = bytes1 - bytes0 - (idleRate * window);
        Console.WriteLine(FormattableString.Invariant($"steady state, {window:F0} s while the streams run: {events:F0} events, {bytes1 - bytes0} B, {(bytes1 - bytes0) / events:F2} B per event ({net / events:F2} B net of idle)"));
    }

    private static async Task<double> RelayedEventsAsync(HttpClient client, string target)
    {
        string metrics = await client.GetStringAsync(new Uri(target + "/metrics")).ConfigureAwait(false);
        double total = 0;
        foreach (string line in metrics.Split('\n'))
        {
            if (line.StartsWith("fastrouter_inter_event_gap_seconds_count", StringComparison.Ordinal))
            {
                total += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return total;
    }

    /// <summary>
    /// Many slow streams (point --decode at a slow decode pod): what is allocated while they start, and the live
    /// managed heap per stream once they are all open (after a full blocking GC).
    /// </summary>
    private static async Task<int> HoldStreamsAsync(string loadgen, string target, string streams, string outDir)
    {
        long baseLive = GC.GetTotalMemory(forceFullCollection: true);
        var listener = new AllocationTickListener();
        Task<long> load = RunLoadAsync(loadgen, target, ["--scenario", "chat-stream", "--concurrency", streams, "--max-tokens", "20", "--prompt-tokens", "16", "--timeout", "90s"], "15", outDir);
        await Task.Delay(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        listener.Dispose();
        long live = GC.GetTotalMemory(forceFullCollection: true);
        GCMemoryInfo info = GC.GetGCMemoryInfo();
        int n = int.Parse(streams, CultureInfo.InvariantCulture);
        Console.WriteLine(FormattableString.Invariant($"{n} streams open: live managed heap {live / 1048576.0:F1} MiB (+{(live - baseLive) / (double)n:F0} B per stream), heap size {info.HeapSizeBytes / 1048576.0:F1} MiB, pinned objects {info.PinnedObjectsCount}, RSS {Environment.WorkingSet / 1048576.0:F0} MiB"));
        listener.Print();
        await load.ConfigureAwait(false);
        Environment.Exit(0);
        return 0;
    }

    private static async Task<long> RunLoadAsync(string loadgen, string target, string[] load, string seconds, string outDir)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])[loadgen, "--target", target, "--duration", seconds + "s", "--warmup", "0", "--no-progress", "--out", outDir, .. load])
        {
            start.ArgumentList.Add(a);
        }

        using Process process = Process.Start(start)!;
        await process.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
        await process.WaitForExitAsync().ConfigureAwait(false);
        using JsonDocument summary = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(outDir, "summary.json")).ConfigureAwait(false));
        JsonElement requests = summary.RootElement.GetProperty("requests");
        if (requests.GetProperty("failed").GetInt64() != 0)
        {
            Console.WriteLine("warning: failed requests in " + outDir);
        }

        return requests.GetProperty("sent_including_warmup").GetInt64();
    }

    private static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}

/// <summary>The runtime's AllocationTick events (one per ~100 KB allocated), counted by type: what allocates.</summary>
internal sealed class AllocationTickListener : System.Diagnostics.Tracing.EventListener
{
    private readonly Dictionary<string, int> _types = [];

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs eventData)
    {
        if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true && eventData.Payload is { } payload)
        {
            int index = eventData.PayloadNames!.IndexOf("TypeName");
            string type = index >= 0 ? payload[index]?.ToString() ?? "?" : "?";
            lock (_types)
            {
                _types[type] = _types.GetValueOrDefault(type) + 1;
            }
        }
    }

    public void Print()
    {
        lock (_types)
        {
            foreach (KeyValuePair<string, int> pair in _types.OrderByDescending(p => p.Value).Take(20))
            {
                Console.WriteLine(FormattableString.Invariant($"    {pair.Value,5} ticks  {pair.Key}"));
            }
        }
    }
}
