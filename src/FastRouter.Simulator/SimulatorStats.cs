using System.Text.Json;

namespace FastRouter.Simulation;

/// <summary>Thread-safe counters of what a simulator saw and did; read by tests, <c>/sim/stats</c> and <c>/metrics</c>.</summary>
internal sealed class SimulatorStats
{
    // snake_case names for /sim/stats, indexed by SimulatorCounter; spelled out so the JSON does not depend on enum reflection.
    private static readonly string[] JsonNames =
    [
        "chat_completion_requests",
        "text_completion_requests",
        "health_requests",
        "models_requests",
        "metrics_requests",
        "other_requests",
        "not_found_requests",
        "completions_served",
        "prefills_with_kv",
        "prefills_without_kv",
        "decodes_with_kv",
        "decodes_recomputed",
        "kv_pulls_succeeded",
        "kv_pulls_failed",
        "kv_releases_sent",
        "leases_granted",
        "leases_pulled",
        "leases_released",
        "leases_expired",
        "side_channel_rejected",
        "sse_events_sent",
        "errors_returned",
        "client_aborts",
        "faults_injected",
        "prompt_tokens",
        "generation_tokens",
        "prompt_tokens_computed",
        "prompt_tokens_cached",
        "prompt_tokens_pulled",
        "prefix_cache_queries",
        "prefill_batches",
    ];

    private readonly long[] _values = new long[JsonNames.Length];
    private long _lastClientAbortUnixMicroseconds;

    public long this[SimulatorCounter counter] => Interlocked.Read(ref _values[(int)counter]);

    public long ChatCompletionRequests => this[SimulatorCounter.ChatCompletionRequests];

    public long TextCompletionRequests => this[SimulatorCounter.TextCompletionRequests];

    public long CompletionsServed => this[SimulatorCounter.CompletionsServed];

    public long PrefillsWithKv => this[SimulatorCounter.PrefillsWithKv];

    public long DecodesWithKv => this[SimulatorCounter.DecodesWithKv];

    public long DecodesRecomputed => this[SimulatorCounter.DecodesRecomputed];

    public long KvPullsSucceeded => this[SimulatorCounter.KvPullsSucceeded];

    public long KvPullsFailed => this[SimulatorCounter.KvPullsFailed];

    public long LeasesReleased => this[SimulatorCounter.LeasesReleased];

    public long LeasesExpired => this[SimulatorCounter.LeasesExpired];

    public long SseEventsSent => this[SimulatorCounter.SseEventsSent];

    public long ErrorsReturned => this[SimulatorCounter.ErrorsReturned];

    public long ClientAborts => this[SimulatorCounter.ClientAborts];

    /// <summary>
    /// When the last completion request was aborted by its client (the router), on the system's clock whatever
    /// clock the simulator runs on: it times how soon a router closes a connection, which is real time. Null before any.
    /// </summary>
    public DateTimeOffset? LastClientAbortAt
    {
        get
        {
            long micros = Interlocked.Read(ref _lastClientAbortUnixMicroseconds);
            return micros == 0 ? null : DateTimeOffset.UnixEpoch.AddTicks(micros * 10);
        }
    }

    /// <summary>A completion request's client went away before its answer ended.</summary>
    internal void ClientAborted()
    {
        Interlocked.Exchange(ref _lastClientAbortUnixMicroseconds, (TimeProvider.System.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10);
        Increment(SimulatorCounter.ClientAborts);
    }

    internal void Increment(SimulatorCounter counter) => Interlocked.Increment(ref _values[(int)counter]);

    internal void Add(SimulatorCounter counter, long amount) => Interlocked.Add(ref _values[(int)counter], amount);

    /// <summary>Writes every counter as a property of the object the writer is in.</summary>
    internal void WriteProperties(Utf8JsonWriter writer)
    {
        for (int i = 0; i < JsonNames.Length; i++)
        {
            writer.WriteNumber(JsonNames[i], Interlocked.Read(ref _values[i]));
        }

        // Microseconds since the Unix epoch, 0 before any abort: a process test compares it with its own clock.
        writer.WriteNumber("last_client_abort_unix_us", Interlocked.Read(ref _lastClientAbortUnixMicroseconds));
    }
}
