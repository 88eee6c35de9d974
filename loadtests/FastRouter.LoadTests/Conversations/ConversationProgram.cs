using FastRouter.LoadTests.Http;

namespace FastRouter.LoadTests.Conversations;

/// <summary>Runs the conversations scenario end to end: schedule, load, fleet stats, console table and summary.json.</summary>
internal static class ConversationProgram
{
    public static async Task<int> RunAsync(ConversationOptions options, CancellationToken stopToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<ConversationArrival> schedule = ConversationSchedule.Build(options);
        Console.WriteLine(FormattableString.Invariant(
            $"FastRouter load generator: '{options.Name}', scenario conversations: {schedule.Count} conversations over {options.Duration.TotalSeconds} s ({options.Rate} per s), {options.Turns} turns, {options.SystemPrompts} system prompts of {options.SystemPromptBytes} B, {options.Targets.Count} router(s){(options.Warmup > TimeSpan.Zero ? $", TTFT and ITL after a {options.Warmup.TotalSeconds} s warm-up" : "")}"));
        using HttpMessageInvoker invoker = LoadHttpClientFactory.Create(256);
        var runner = new ConversationRunner(options, new TurnClient(invoker, options.RequestTimeout));
        using (var run = CancellationTokenSource.CreateLinkedTokenSource(stopToken))
        {
            run.CancelAfter(options.Duration + options.DrainTimeout);
            await runner.RunAsync(schedule, Console.Out, run.Token).ConfigureAwait(false);
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        FleetWork fleet = await FleetStatsReader.ReadAsync(http, options, runner.TurnsSent, CancellationToken.None).ConfigureAwait(false);
        Console.Write(ConversationReport.Render(runner.Statistics, fleet));
        Directory.CreateDirectory(options.OutputDirectory);
        string json = Path.Combine(options.OutputDirectory, "summary.json");
        await using (FileStream stream = File.Create(json))
        {
            ConversationReport.WriteJson(stream, options, runner.Statistics, fleet);
        }

        Console.WriteLine($"Wrote {Path.GetFullPath(json)}");
        TurnSummary all = runner.Statistics.Summarize(0);
        return all.Succeeded == 0 ? LoadTestProgram.ExitNothingSucceeded : all.Failed > 0 ? LoadTestProgram.ExitErrors : LoadTestProgram.ExitOk;
    }
}
