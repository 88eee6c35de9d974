using FastRouter.LoadTests.Conversations;
using FastRouter.LoadTests.Http;

namespace FastRouter.LoadTests.Overload;

/// <summary>
/// Runs the schedule open-loop: each request leaves when it is due whatever the earlier ones are doing (an
/// overloaded fleet must not slow the arrivals down, or it would never be overloaded), then the run waits for every
/// request to end: answered, or cut at the hang timeout.
/// </summary>
internal sealed class OverloadRunner
{
    private readonly OverloadOptions _options;
    private readonly OverloadRequestSender _sender;
    private long _sent;
    private long _done;

    public OverloadRunner(OverloadOptions options, OverloadRequestSender sender)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _sender = sender;
    }

    public OverloadStatistics Statistics { get; } = new();

    public long Sent => Interlocked.Read(ref _sent);

    public async Task RunAsync(IReadOnlyList<OverloadArrival> schedule, TextWriter progress, CancellationToken runToken)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        long start = MonotonicTime.Now;
        Statistics.Started(start);
        var running = new List<Task>(schedule.Count);
        using var ticker = new PeriodicTimer(TimeSpan.FromSeconds(5));
        Task<bool> tick = ticker.WaitForNextTickAsync(runToken).AsTask();
        try
        {
            foreach (OverloadArrival arrival in schedule)
            {
                long due = start + MonotonicTime.FromSeconds(arrival.OffsetSeconds);
                long wait = due - MonotonicTime.Now;
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(MonotonicTime.ToSeconds(wait)), runToken).ConfigureAwait(false);
                }

                running.Add(Task.Run(() => SendAsync(arrival, due, runToken), CancellationToken.None));
                if (tick.IsCompleted)
                {
                    WriteProgress(progress, start, schedule.Count);
                    tick = ticker.WaitForNextTickAsync(runToken).AsTask();
                }
            }
        }
        catch (OperationCanceledException) when (runToken.IsCancellationRequested)
        {
            // Stopped: the requests in flight see the same token and end themselves.
        }

        Task all = Task.WhenAll(running);
        while (!all.IsCompleted)
        {
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false);
            WriteProgress(progress, start, schedule.Count);
        }

        await all.ConfigureAwait(false);
    }

    private async Task SendAsync(OverloadArrival arrival, long due, CancellationToken runToken)
    {
        byte[] body = ConversationBodyWriter.Build(
            _options.Model, [new ChatMessage("user", OverloadPrompt.Build(_options.Seed, arrival.Index, _options.PromptBytes))], _options.MaxTokens);
        Statistics.RecordSent(arrival.Client, arrival.Band);
        Interlocked.Increment(ref _sent);
        OverloadOutcome outcome = await _sender.SendAsync(arrival.Client, arrival.Band, body, due, runToken).ConfigureAwait(false);
        Statistics.Record(arrival.Client, arrival.Band, outcome);
        Interlocked.Increment(ref _done);
    }

    private void WriteProgress(TextWriter progress, long start, int scheduled)
    {
        if (_options.Progress)
        {
            long served = Statistics.Summarize(OverloadClient.Heavy, -1).Served + Statistics.Summarize(OverloadClient.Light, -1).Served;
            progress.WriteLine(FormattableString.Invariant(
                $"[{MonotonicTime.ToSeconds(MonotonicTime.Now - start),6:F1}s] sent {Sent}/{scheduled}, done {Interlocked.Read(ref _done)}, served {served}"));
            progress.Flush();
        }
    }
}
