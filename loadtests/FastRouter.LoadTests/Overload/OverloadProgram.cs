using FastRouter.LoadTests.Http;

namespace FastRouter.LoadTests.Overload;

/// <summary>Runs the overload scenario end to end: schedule, load, the pods' counts, console table, summary.json and report.txt.</summary>
internal static class OverloadProgram
{
    public static async Task<int> RunAsync(OverloadOptions options, CancellationToken stopToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<OverloadArrival> schedule = OverloadSchedule.Build(options);
        Console.WriteLine(FormattableString.Invariant(
            $"FastRouter load generator: '{options.Name}', scenario overload: {schedule.Count} requests over {options.Duration.TotalSeconds} s, {options.Load}x capacity {options.Capacity}/s (heavy {options.HeavyRate:F2}/s, light {options.LightRate:F2}/s), {options.HighShare:P0} high band, queue timeout {options.QueueTimeout.TotalSeconds} s"));

        // One connection per request in flight: with flow control off an overloaded fleet holds hundreds open.
        using HttpMessageInvoker invoker = LoadHttpClientFactory.Create(4096);
        var runner = new OverloadRunner(options, new OverloadRequestSender(invoker, options.Target, options.QueueTimeout, options.HangTimeout));
        await runner.RunAsync(schedule, Console.Out, stopToken).ConfigureAwait(false);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        FleetRequests fleet = await FleetRequestsReader.ReadAsync(http, options, CancellationToken.None).ConfigureAwait(false);
        string report = OverloadReport.Render(options, runner.Statistics, fleet);
        Console.Write(report);
        Directory.CreateDirectory(options.OutputDirectory);
        string json = Path.Combine(options.OutputDirectory, "summary.json");
        await using (FileStream stream = File.Create(json))
        {
            OverloadReport.WriteJson(stream, options, runner.Statistics, fleet);
        }

        string textPath = Path.Combine(options.OutputDirectory, "report.txt");
        await File.WriteAllTextAsync(textPath, report, CancellationToken.None).ConfigureAwait(false);
        Console.WriteLine($"Wrote {Path.GetFullPath(json)}");
        Console.WriteLine($"Wrote {Path.GetFullPath(textPath)}");
        long served = runner.Statistics.Summarize(OverloadClient.Heavy, -1).Served + runner.Statistics.Summarize(OverloadClient.Light, -1).Served;
        long broken = 0;
        for (int client = 0; client < OverloadClient.Count; client++)
        {
            OverloadCellSummary all = runner.Statistics.Summarize(client, -1);
            broken += all.OtherErrors + all.Hanging;
        }

        // 429 and 503 are the answers an overloaded fleet should give; only wrong answers and silence are errors.
        return served == 0 ? LoadTestProgram.ExitNothingSucceeded : broken > 0 ? LoadTestProgram.ExitErrors : LoadTestProgram.ExitOk;
    }
}
