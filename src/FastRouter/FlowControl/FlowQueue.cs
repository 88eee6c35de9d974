namespace FastRouter.FlowControl;

/// <summary>
/// The router's own queue for requests the fleet cannot take yet. Bounded; strict priority between bands (band 0
/// first); fair between clients within a band (one request per waiting client per round, each client's oldest
/// first); each request leaves at dispatch, at its deadline or when its client goes away, whichever comes first.
/// <para>
/// Dispatch is self-clocked: at most one dispatched request is "in transit" (released by the queue but not yet
/// holding its pod, so invisible to <see cref="IDispatchCapacity"/>); the next one is released when that request
/// calls <see cref="Release"/>. Without that, one freed slot would release every waiting request at once.
/// <see cref="Pump"/> is called whenever capacity may have appeared (a request ended, a scrape arrived, pods changed).
/// </para>
/// One lock guards everything; it is only taken while requests wait or are released, never on an idle fleet's path.
/// </summary>
internal sealed class FlowQueue : IDisposable
{
    private readonly Lock _gate = new();
    private readonly PriorityBand[] _bands;
    private readonly Stack<QueuedRequest> _requestPool = new();
    private readonly Stack<ClientFlow> _flowPool = new();
    private readonly IDispatchCapacity _capacity;
    private readonly TimeProvider _time;
    private readonly int _limit;
    private int _count;
    private int _inTransit;
    private bool _closed;

    public FlowQueue(int limit, int bandCount, IDispatchCapacity capacity, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bandCount);
        ArgumentNullException.ThrowIfNull(capacity);
        ArgumentNullException.ThrowIfNull(time);
        _limit = limit;
        _capacity = capacity;
        _time = time;
        _bands = new PriorityBand[bandCount];
        for (int i = 0; i < bandCount; i++)
        {
            _bands[i] = new PriorityBand();
        }
    }

    public int BandCount => _bands.Length;

    public int Limit => _limit;

    /// <summary>Requests waiting; read without the lock by the hot path (zero means "nobody to overtake").</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Queues a request, or returns null when the queue is full (answer 429) or closed (answer 503). The caller
    /// awaits <see cref="QueuedRequest.WaitAsync"/> and then always calls <see cref="Release"/>.
    /// </summary>
    public QueuedRequest? TryEnqueue(int band, ulong client, TimeSpan timeout, CancellationToken aborted)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(band);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(band, _bands.Length);
        QueuedRequest request;
        lock (_gate)
        {
            PriorityBand priorityBand = _bands[band];
            if (_closed || _count >= _limit)
            {
                priorityBand.RejectedFull += _closed ? 0 : 1;
                return null;
            }

            request = _requestPool.Count > 0 ? _requestPool.Pop() : new QueuedRequest(this, _time);
            long now = _time.GetTimestamp();
            request.Band = band;
            request.Client = client;
            request.EnqueuedAt = now;
            request.Deadline = now + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
            request.Aborted = aborted;
            request.IsWaiting = true;
            priorityBand.Add(request, _flowPool);
            Volatile.Write(ref _count, _count + 1);
            request.StartTimers(timeout);
        }

        Pump();
        return request;
    }

    /// <summary>
    /// The caller is done with the request's wait: after a dispatch, once the request holds its pod (or has ended
    /// without one); after any other outcome, once it has answered. Lets the next request go and pools this one.
    /// </summary>
    public void Release(QueuedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            if (request.Outcome == QueueOutcome.Dispatched)
            {
                _inTransit--;
            }

            request.Reset();
            if (_closed)
            {
                request.DisposeTimer();
            }
            else
            {
                _requestPool.Push(request);
            }
        }

        Pump();
    }

    /// <summary>Releases waiting requests while the fleet has room, highest band first, fair within a band.</summary>
    public void Pump()
    {
        if (Volatile.Read(ref _count) == 0)
        {
            return;
        }

        lock (_gate)
        {
            while (_count > 0 && _inTransit == 0 && _capacity.HasRoom())
            {
                QueuedRequest request = TakeNextLocked();
                long now = _time.GetTimestamp();
                if (now >= request.Deadline)
                {
                    // Its timer has not fired yet; it must still never reach a pod late.
                    CompleteLocked(request, QueueOutcome.DeadlineExpired, now);
                    continue;
                }

                _inTransit++;
                CompleteLocked(request, QueueOutcome.Dispatched, now);
            }
        }
    }

    /// <summary>Answers every waiting request with <see cref="QueueOutcome.ShuttingDown"/> and takes no more.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            long now = _time.GetTimestamp();
            for (int i = 0; i < _bands.Length; i++)
            {
                PriorityBand band = _bands[i];
                while (band.TakeNext(_flowPool) is { } request)
                {
                    Volatile.Write(ref _count, _count - 1);
                    CompleteLocked(request, QueueOutcome.ShuttingDown, now);
                }
            }
        }
    }

    public void Dispose()
    {
        Close();
        lock (_gate)
        {
            while (_requestPool.Count > 0)
            {
                _requestPool.Pop().DisposeTimer();
            }
        }
    }

    /// <summary>A copy of one band's figures, for /metrics and the status endpoint.</summary>
    public FlowBandStatistics Statistics(int band)
    {
        lock (_gate)
        {
            PriorityBand b = _bands[band];
            return new FlowBandStatistics(
                b.Count, b.ActiveClients, b.Enqueued, b.Dispatched, b.Expired, b.ClientsLeft, b.RejectedFull,
                (double)b.WaitTicks / _time.TimestampFrequency);
        }
    }

    internal void OnDeadline(QueuedRequest request)
    {
        lock (_gate)
        {
            long now = _time.GetTimestamp();
            if (!request.IsWaiting || now < request.Deadline)
            {
                return;
            }

            RemoveLocked(request);
            CompleteLocked(request, QueueOutcome.DeadlineExpired, now);
        }
    }

    internal void OnClientLeft(QueuedRequest request)
    {
        lock (_gate)
        {
            if (!request.IsWaiting || !request.Aborted.IsCancellationRequested)
            {
                return;
            }

            RemoveLocked(request);
            CompleteLocked(request, QueueOutcome.ClientLeft, _time.GetTimestamp());
        }
    }

    private QueuedRequest TakeNextLocked()
    {
        for (int i = 0; i < _bands.Length; i++)
        {
            if (_bands[i].TakeNext(_flowPool) is { } request)
            {
                Volatile.Write(ref _count, _count - 1);
                return request;
            }
        }

        throw new InvalidOperationException("The queue's count and its bands disagree.");
    }

    private void RemoveLocked(QueuedRequest request)
    {
        _bands[request.Band].Remove(request, _flowPool);
        Volatile.Write(ref _count, _count - 1);
    }

    private void CompleteLocked(QueuedRequest request, QueueOutcome outcome, long now)
    {
        PriorityBand band = _bands[request.Band];
        band.WaitTicks += now - request.EnqueuedAt;
        switch (outcome)
        {
            case QueueOutcome.Dispatched:
                band.Dispatched++;
                break;
            case QueueOutcome.DeadlineExpired:
                band.Expired++;
                break;
            case QueueOutcome.ClientLeft:
                band.ClientsLeft++;
                break;
        }

        request.Complete(outcome, now);
    }
}
