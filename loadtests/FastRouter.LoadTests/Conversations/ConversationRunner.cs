using FastRouter.LoadTests.Running;
using FastRouter.LoadTests.Http;

namespace FastRouter.LoadTests.Conversations;

/// <summary>
/// Runs the schedule open-loop: each conversation starts at its arrival offset whatever the others do, then plays
/// its turns in order, each after the previous answer plus the think time, appending the answer and a new user
/// message to its history. Each turn goes to one router drawn at random (the random spreader). A failed turn ends
/// its conversation: the history it would build on does not exist.
/// </summary>
internal sealed class ConversationRunner
{
    private readonly ConversationOptions _options;
    private readonly TurnClient _client;
    private readonly Uri[] _chatUris;
    private readonly string[] _systemPrompts;
    private long _turnsSent;
    private long _conversationsDone;

    public ConversationRunner(ConversationOptions options, TurnClient client)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _client = client;
        _chatUris = new Uri[options.Targets.Count];
        for (int i = 0; i < _chatUris.Length; i++)
        {
            _chatUris[i] = new Uri(options.Targets[i], "v1/chat/completions");
        }

        _systemPrompts = new string[options.SystemPrompts];
        for (int i = 0; i < _systemPrompts.Length; i++)
        {
            _systemPrompts[i] = ConversationText.SystemPrompt(options.Seed, i, options.SystemPromptBytes);
        }

        Statistics = new TurnStatistics(options.Turns);
    }

    public TurnStatistics Statistics { get; }

    public long TurnsSent => Interlocked.Read(ref _turnsSent);

    public long ConversationsDone => Interlocked.Read(ref _conversationsDone);

    public async Task RunAsync(IReadOnlyList<ConversationArrival> schedule, TextWriter progress, CancellationToken runToken)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        long start = MonotonicTime.Now;
        var running = new List<Task>(schedule.Count);
        using var ticker = new PeriodicTimer(TimeSpan.FromSeconds(5));
        Task<bool> tick = ticker.WaitForNextTickAsync(runToken).AsTask();
        try
        {
            foreach (ConversationArrival arrival in schedule)
            {
                long intended = start + MonotonicTime.FromSeconds(arrival.OffsetSeconds);
                long wait = intended - MonotonicTime.Now;
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(MonotonicTime.ToSeconds(wait)), runToken).ConfigureAwait(false);
                }

                running.Add(Task.Run(() => ConverseAsync(arrival, intended, runToken), CancellationToken.None));
                if (tick.IsCompleted)
                {
                    WriteProgress(progress, start, running.Count, schedule.Count);
                    tick = ticker.WaitForNextTickAsync(runToken).AsTask();
                }
            }
        }
        catch (OperationCanceledException) when (runToken.IsCancellationRequested)
        {
            // Stopped: the conversations in flight see the same token and end themselves.
        }

        Task all = Task.WhenAll(running);
        while (!all.IsCompleted)
        {
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false);
            WriteProgress(progress, start, running.Count, schedule.Count);
        }

        await all.ConfigureAwait(false);
    }

    private void WriteProgress(TextWriter progress, long start, int started, int scheduled)
    {
        if (_options.Progress)
        {
            TurnSummary all = Statistics.Summarize(0);
            progress.WriteLine(FormattableString.Invariant(
                $"[{MonotonicTime.ToSeconds(MonotonicTime.Now - start),6:F1}s] conversations {started}/{scheduled} started, {ConversationsDone} done; turns sent={TurnsSent} ok={all.Succeeded} errors={all.Failed} ttft p50={all.TtftP50Ms:F1}ms p99={all.TtftP99Ms:F1}ms"));
            progress.Flush();
        }
    }

    private async Task ConverseAsync(ConversationArrival arrival, long intended, CancellationToken runToken)
    {
        // The spreader's draws are seeded per conversation so a rerun sends each turn to the same router index.
        var spreader = new Random(StableSeed.Mix(_options.Seed, 0x5EED, arrival.Index));
        var history = new List<ChatMessage>(1 + (2 * _options.Turns))
        {
            new("system", _systemPrompts[arrival.SystemPrompt]),
            new("user", ConversationText.UserMessage(_options.Seed, arrival.Index, 1, _options.UserMessageBytes)),
        };
        long origin = intended;
        try
        {
            for (int turn = 1; turn <= _options.Turns && !runToken.IsCancellationRequested; turn++)
            {
                byte[] body = ConversationBodyWriter.Build(_options.Model, history, _options.MaxTokens);
                Uri target = _chatUris.Length == 1 ? _chatUris[0] : _chatUris[spreader.Next(_chatUris.Length)];
                Interlocked.Increment(ref _turnsSent);
                TurnOutcome outcome = await _client.SendAsync(target, body, origin, runToken).ConfigureAwait(false);
                if (runToken.IsCancellationRequested)
                {
                    return;
                }

                Statistics.Record(turn, outcome, countLatency: arrival.OffsetSeconds >= _options.Warmup.TotalSeconds);
                if (!outcome.Succeeded || turn == _options.Turns)
                {
                    return;
                }

                history.Add(new ChatMessage("assistant", outcome.Answer!));
                history.Add(new ChatMessage("user", ConversationText.UserMessage(_options.Seed, arrival.Index, turn + 1, _options.UserMessageBytes)));
                await Task.Delay(_options.ThinkTime, runToken).ConfigureAwait(false);
                origin = MonotonicTime.Now;
            }
        }
        catch (OperationCanceledException) when (runToken.IsCancellationRequested)
        {
            // The drain timeout or Ctrl+C: the conversation ends where it is.
        }
        finally
        {
            Interlocked.Increment(ref _conversationsDone);
        }
    }
}
