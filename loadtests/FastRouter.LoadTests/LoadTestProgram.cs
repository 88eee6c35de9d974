using System.Globalization;
using System.Text.Json;
using FastRouter.LoadTests.Cli;
using FastRouter.LoadTests.Conversations;
using FastRouter.LoadTests.Overload;
using FastRouter.LoadTests.Probing;
using FastRouter.LoadTests.Reporting;
using FastRouter.LoadTests.Running;
using FastRouter.LoadTests.Scenarios;

namespace FastRouter.LoadTests;

/// <summary>Parses the command line, runs the load, writes the console table, summary.json and report.html.</summary>
internal static class LoadTestProgram
{
    public const int ExitOk = 0;
    public const int ExitErrors = 1;
    public const int ExitUsage = 2;
    public const int ExitNothingSucceeded = 3;

    public static async Task<int> RunAsync(string[] args)
    {
        if (ConversationCommandLine.Applies(args))
        {
            return await RunConversationsAsync(args).ConfigureAwait(false);
        }

        if (OverloadCommandLine.Applies(args))
        {
            return await RunOverloadAsync(args).ConfigureAwait(false);
        }

        ParsedCommandLine parsed;
        try
        {
            parsed = LoadTestCommandLine.Parse(args, DateTimeOffset.UtcNow);
        }
        catch (CommandLineException exception)
        {
            await Console.Error.WriteLineAsync(exception.Message).ConfigureAwait(false);
            return ExitUsage;
        }

        switch (parsed.Action)
        {
            case CommandLineAction.Help:
                Console.Write(HelpText.Text);
                return ExitOk;
            case CommandLineAction.ListScenarios:
                foreach (Scenario scenario in ScenarioCatalog.All)
                {
                    Console.WriteLine($"{scenario.Name,-20} {scenario.Description}");
                }

                Console.WriteLine($"{ConversationCommandLine.ScenarioName,-20} multi-turn chats over shared system prompts, history growing each turn (own flags: see --help)");
                Console.WriteLine($"{OverloadCommandLine.ScenarioName,-20} a heavy and a light client in two priority bands at a multiple of the fleet's capacity (own flags: see --help)");

                return ExitOk;
            default:
                break;
        }

        LoadTestOptions options = parsed.Options!;
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl+C ends the run early but still writes the reports; a second one kills the process.
            if (!stop.IsCancellationRequested)
            {
                e.Cancel = true;
                stop.Cancel();
            }
        };

        if (options.IsProbe)
        {
            return await ProbeAsync(options, string.Join(' ', args), stop.Token).ConfigureAwait(false);
        }

        Console.WriteLine($"FastRouter load generator: '{options.Name}', scenario {options.Scenario.Name}, " +
            (options.IsOpenLoop ? $"open loop at {options.Rate} req/s" : $"closed loop, {options.Concurrency} workers") +
            $", warm-up {options.Warmup.TotalSeconds} s, measure {options.Duration.TotalSeconds} s");
        RunResult result = await LoadRunner.RunAsync(options, Console.Out, stop.Token).ConfigureAwait(false);
        RunSummary summary = SummaryBuilder.Build(result, string.Join(' ', args));
        Console.Write(ConsoleReport.Render(summary));
        string[] written = await WriteReportsAsync(summary, result, options.OutputDirectory).ConfigureAwait(false);
        foreach (string path in written)
        {
            Console.WriteLine($"Wrote {path}");
        }

        return summary.Requests.Succeeded == 0 ? ExitNothingSucceeded : summary.Requests.Failed > 0 ? ExitErrors : ExitOk;
    }

    private static Task<int> RunConversationsAsync(string[] args) =>
        RunScenarioAsync(args, ConversationCommandLine.Parse, ConversationProgram.RunAsync);

    private static Task<int> RunOverloadAsync(string[] args) =>
        RunScenarioAsync(args, OverloadCommandLine.Parse, OverloadProgram.RunAsync);

    /// <summary>A scenario with its own command line: parsed (usage errors exit 2), then run until done or Ctrl+C.</summary>
    private static async Task<int> RunScenarioAsync<TOptions>(
        string[] args, Func<IReadOnlyList<string>, DateTimeOffset, TOptions> parse, Func<TOptions, CancellationToken, Task<int>> run)
    {
        TOptions options;
        try
        {
            options = parse(args, DateTimeOffset.UtcNow);
        }
        catch (CommandLineException exception)
        {
            await Console.Error.WriteLineAsync(exception.Message).ConfigureAwait(false);
            return ExitUsage;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            if (!stop.IsCancellationRequested)
            {
                e.Cancel = true;
                stop.Cancel();
            }
        };
        return await run(options, stop.Token).ConfigureAwait(false);
    }

    private static async Task<int> ProbeAsync(LoadTestOptions options, string commandLine, CancellationToken stopToken)
    {
        Console.WriteLine($"FastRouter load generator: '{options.Name}', probing {options.ProbePath} every {options.ProbeInterval.TotalMilliseconds} ms " +
            $"(timeout {options.ProbeTimeout.TotalMilliseconds} ms) for {options.Duration.TotalSeconds} s after {options.Warmup.TotalSeconds} s");
        ProbeSummary summary = await HealthProber.RunAsync(options, commandLine, stopToken).ConfigureAwait(false);
        MetricSummary latency = summary.Latency;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{summary.Probes} probes: {summary.Succeeded} ok, {summary.FailedStatus} bad status, {summary.TimedOut} timed out, {summary.ConnectionErrors} no connection; " +
            $"latency ms p50 {latency.P50Ms:F2} p90 {latency.P90Ms:F2} p99 {latency.P99Ms:F2} max {latency.MaxMs:F2}"));
        Directory.CreateDirectory(options.OutputDirectory);
        string json = Path.Combine(options.OutputDirectory, "probe.json");
        await using (FileStream stream = File.Create(json))
        {
            await JsonSerializer.SerializeAsync(stream, summary, SummaryJsonContext.Default.ProbeSummary).ConfigureAwait(false);
        }

        Console.WriteLine($"Wrote {Path.GetFullPath(json)}");
        return summary.Probes == 0 ? ExitNothingSucceeded : summary.Failed > 0 ? ExitErrors : ExitOk;
    }

    public static async Task<string[]> WriteReportsAsync(RunSummary summary, RunResult result, string directory)
    {
        Directory.CreateDirectory(directory);
        string json = Path.Combine(directory, "summary.json");
        string html = Path.Combine(directory, "report.html");
        await using (FileStream stream = File.Create(json))
        {
            await JsonSerializer.SerializeAsync(stream, summary, SummaryJsonContext.Default.RunSummary).ConfigureAwait(false);
        }

        await File.WriteAllTextAsync(html, HtmlReport.Render(summary, result)).ConfigureAwait(false);
        return [Path.GetFullPath(json), Path.GetFullPath(html)];
    }
}
