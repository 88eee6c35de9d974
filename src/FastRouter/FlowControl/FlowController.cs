using System.Diagnostics.Metrics;
using FastRouter.Configuration;
using FastRouter.Discovery;

namespace FastRouter.FlowControl;

/// <summary>
/// Router-side flow control (--flow-control): while every pod that could take a request is saturated
/// (<see cref="PodSaturation"/>), the request waits in its model's <see cref="FlowQueue"/>, by priority band and
/// fair between clients, instead of in the engines' first-come queues; it goes on the moment a pod has room again.
/// On an unsaturated fleet the whole cost is <see cref="MustWait"/>: one look at the queue's count and at the first
/// pods of the route until one has room, no lock, no allocation.
/// <para>
/// Room reappears when a request or its prefill leg ends (<see cref="RequestEnded"/>, <see cref="PodReleased"/>), when a scrape brings new engine figures or when
/// pods change; the last two are noticed by a pump every <see cref="PumpInterval"/> while anything waits.
/// </para>
/// </summary>
internal sealed class FlowController : IDisposable
{
    /// <summary>Priority bands: negative priorities, 0 (the default), positive ones.</summary>
    public const int BandCount = 3;

    /// <summary>How often waiting queues are re-checked for room that no ending request announced (new scrapes, pods).</summary>
    public static readonly TimeSpan PumpInterval = TimeSpan.FromMilliseconds(50);

    private static readonly string[] BandNames = ["high", "normal", "low"];

    private readonly Lock _queuesLock = new();
    private readonly TimeProvider _time;
    private readonly ITimer _pump;
    private readonly long _freshTicks;
    private readonly Histogram<double>? _wait;
    private ModelQueue[] _queues = [];
    private int _pumpArmed;

    public FlowController(RouterOptions options, IBackendDiscovery discovery, TimeProvider time, Telemetry.RouterMetrics? metrics = null, ClientLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Discovery = discovery;
        _time = time;
        // As the pickers' load estimate: engine figures count for three scrape intervals.
        _freshTicks = Engines.EngineSnapshot.StaleAfterTicks(options.EngineStatsInterval, time.TimestampFrequency);
        _pump = time.CreateTimer(static state => ((FlowController)state!).OnPump(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (metrics is not null)
        {
            Meter meter = metrics.Meter;
            _wait = meter.CreateHistogram<double>(
                "fastrouter.queue.wait", "s", "Time requests waited in the router's queue, by band and outcome (dispatched, expired, client_left, shutdown).",
                advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Telemetry.BucketBoundaries.Latency });
            meter.CreateObservableGauge("fastrouter.queue.waiting", ObserveWaiting, "{request}", "Requests waiting in the router's queue now, by model and band.");
            meter.CreateObservableCounter("fastrouter.queue.dispatched", ObserveDispatched, "{request}", "Requests that waited in the router's queue and went on to a pod, by model and band.");
            if (limits is { IsEnabled: true })
            {
                meter.CreateObservableCounter("fastrouter.client_limit_rejections", () => new Measurement<long>[]
                {
                    new(limits.RejectedConcurrent, new KeyValuePair<string, object?>("reason", "concurrent")),
                    new(limits.RejectedRate, new KeyValuePair<string, object?>("reason", "rate")),
                }, "{request}", "Requests answered 429 by the per-client limits, by which limit: concurrent (--client-max-concurrent) or rate (--client-max-rps).");
            }

            meter.CreateObservableCounter("fastrouter.queue.rejections", ObserveRejections, "{request}", "Requests the router's queue answered without a pod, by model, band and reason (full: 429; expired: 503 after the queue timeout; client_left).");
        }
    }

    public RouterOptions Options { get; }

    public long TimestampFrequency => _time.TimestampFrequency;

    public IBackendDiscovery Discovery { get; }

    public bool IsEnabled => Options.FlowControl;

    /// <summary>The hot path's question: must this request wait (someone already waits for its model, or no pod has room)?</summary>
    public bool MustWait(ModelRoute route)
    {
        if (!Options.FlowControl)
        {
            return false;
        }

        ModelQueue? queue = Find(route.Model);
        return (queue is not null && queue.Queue.Count > 0) || !HasRoom(route);
    }

    public bool HasRoom(ModelRoute route)
    {
        long now = _time.GetTimestamp();
        // With --decode-only-without-prefill, saturated prefill pods do not hold a request: decode serves it alone.
        return (Options.DecodeOnlyWithoutPrefill || PodSaturation.AnyHasRoom(route.Prefill, Options, now, _freshTicks))
            && PodSaturation.AnyHasRoom(route.Decode, Options, now, _freshTicks);
    }

    /// <summary>Whether one pod counts as saturated now (for the status endpoint).</summary>
    public bool IsSaturated(Backend pod) => PodSaturation.IsSaturated(pod, Options, _time.GetTimestamp(), _freshTicks);

    /// <summary>Queues a request for its model; null when that queue is full (429) or the router is shutting down (503).</summary>
    public QueuedRequest? TryEnqueue(ModelRoute route, int band, ulong client, TimeSpan timeout, CancellationToken aborted)
    {
        QueuedRequest? request = QueueFor(route.Model).Queue.TryEnqueue(band, client, timeout, aborted);
        if (request is not null && Interlocked.Exchange(ref _pumpArmed, 1) == 0)
        {
            _pump.Change(PumpInterval, PumpInterval);
        }

        return request;
    }

    /// <summary>See <see cref="FlowQueue.Release"/>; also records the wait.</summary>
    public void Release(QueuedRequest request)
    {
        _wait?.Record(
            (double)(request.LeftAt - request.EnqueuedAt) / _time.TimestampFrequency,
            new KeyValuePair<string, object?>("band", BandNames[request.Band]),
            new KeyValuePair<string, object?>("outcome", OutcomeName(request.Outcome)));
        request.Owner.Release(request);
    }

    /// <summary>A request ended: its pods may have room for a waiting one. Free when nothing waits.</summary>
    public void RequestEnded()
    {
        ModelQueue[] queues = Volatile.Read(ref _queues);
        for (int i = 0; i < queues.Length; i++)
        {
            queues[i].Queue.Pump();
        }
    }

    /// <summary>
    /// A call to a pod ended before its request did (a prefill leg, its decode still to come): that pod may have room
    /// for a waiting request. Free when nothing waits.
    /// </summary>
    public void PodReleased() => RequestEnded();

    /// <summary>Shutting down: every waiting request gets 503 now, and no more are queued.</summary>
    public void Close()
    {
        ModelQueue[] queues = Volatile.Read(ref _queues);
        for (int i = 0; i < queues.Length; i++)
        {
            queues[i].Queue.Close();
        }
    }

    /// <summary>Each model's queue, for the status endpoint.</summary>
    public ModelQueue[] Queues => Volatile.Read(ref _queues);

    public static string BandName(int band) => BandNames[band];

    /// <summary>
    /// The band of a priority as vLLM reads its <c>priority</c> field (lower is sooner): negative, zero, positive.
    /// </summary>
    public static int BandOf(int priority) => priority < 0 ? 0 : priority == 0 ? 1 : 2;

    public void Dispose()
    {
        _pump.Dispose();
        foreach (ModelQueue queue in Volatile.Read(ref _queues))
        {
            queue.Queue.Dispose();
        }
    }

    private void OnPump()
    {
        ModelQueue[] queues = Volatile.Read(ref _queues);
        bool anyWaiting = false;
        for (int i = 0; i < queues.Length; i++)
        {
            queues[i].Queue.Pump();
            anyWaiting |= queues[i].Queue.Count > 0;
        }

        if (!anyWaiting)
        {
            // Disarm, then look again: a request queued between the look and the disarm re-arms it itself.
            Volatile.Write(ref _pumpArmed, 0);
            _pump.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            for (int i = 0; i < queues.Length; i++)
            {
                if (queues[i].Queue.Count > 0 && Interlocked.Exchange(ref _pumpArmed, 1) == 0)
                {
                    _pump.Change(PumpInterval, PumpInterval);
                    return;
                }
            }
        }
    }

    private ModelQueue? Find(string? model)
    {
        ModelQueue[] queues = Volatile.Read(ref _queues);
        for (int i = 0; i < queues.Length; i++)
        {
            if (string.Equals(queues[i].Model, model, StringComparison.Ordinal))
            {
                return queues[i];
            }
        }

        return null;
    }

    /// <summary>The queue of a model's requests (null: requests that name none), created on first use.</summary>
    public ModelQueue QueueFor(string? model)
    {
        if (Find(model) is { } found)
        {
            return found;
        }

        lock (_queuesLock)
        {
            if (Find(model) is { } raced)
            {
                return raced;
            }

            // Copy on write: the hot path reads the array without a lock. Models are few and never removed.
            var queue = new ModelQueue(this, model, _time);
            ModelQueue[] current = _queues;
            var next = new ModelQueue[current.Length + 1];
            current.CopyTo(next, 0);
            next[^1] = queue;
            Volatile.Write(ref _queues, next);
            return queue;
        }
    }

    public static string OutcomeName(QueueOutcome outcome) => outcome switch
    {
        QueueOutcome.Dispatched => "dispatched",
        QueueOutcome.DeadlineExpired => "expired",
        QueueOutcome.ClientLeft => "client_left",
        _ => "shutdown",
    };

    private IEnumerable<Measurement<long>> ObserveWaiting()
    {
        foreach (ModelQueue queue in Volatile.Read(ref _queues))
        {
            for (int band = 0; band < BandCount; band++)
            {
                yield return Measure(queue, band, queue.Queue.Statistics(band).Waiting);
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveDispatched()
    {
        foreach (ModelQueue queue in Volatile.Read(ref _queues))
        {
            for (int band = 0; band < BandCount; band++)
            {
                yield return Measure(queue, band, queue.Queue.Statistics(band).Dispatched);
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveRejections()
    {
        foreach (ModelQueue queue in Volatile.Read(ref _queues))
        {
            for (int band = 0; band < BandCount; band++)
            {
                FlowBandStatistics stats = queue.Queue.Statistics(band);
                yield return Measure(queue, band, stats.RejectedFull, "full");
                yield return Measure(queue, band, stats.Expired, "expired");
                yield return Measure(queue, band, stats.ClientsLeft, "client_left");
            }
        }
    }

    private static Measurement<long> Measure(ModelQueue queue, int band, long value, string? reason = null) =>
        reason is null
            ? new Measurement<long>(value, new KeyValuePair<string, object?>("model", queue.Model ?? ""), new KeyValuePair<string, object?>("band", BandNames[band]))
            : new Measurement<long>(value, new KeyValuePair<string, object?>("model", queue.Model ?? ""), new KeyValuePair<string, object?>("band", BandNames[band]), new KeyValuePair<string, object?>("reason", reason));
}
