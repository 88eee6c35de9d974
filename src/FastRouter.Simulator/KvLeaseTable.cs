namespace FastRouter.Simulation;

/// <summary>
/// The prefill simulator's KV block bookkeeping: grants leases, ends them on pull or release, and expires the
/// ones nobody claims. Expiry is checked lazily on every access and by a sweep timer, both on the injected
/// <see cref="TimeProvider"/>, so tests move time instead of sleeping. All state is under one lock: the table
/// is touched once or twice per request, far from the hot path's cost.
/// </summary>
internal sealed class KvLeaseTable : IDisposable
{
    private readonly Lock _gate = new();

    // Keyed by the first block id: ids come from one counter, so the first id names a lease uniquely.
    private readonly Dictionary<int, KvLease> _leases = [];

    // Every lease lasts the same time, so grant order is expiry order: expiring only looks at the queue's head.
    // Leases that ended early stay queued until their time and are skipped then.
    private readonly Queue<KvLease> _byExpiry = new();
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _leaseDuration;
    private readonly SimulatorStats _stats;
    private readonly ITimer _sweepTimer;

    // vLLM reserves block 0 as its null block; starting at 1 keeps ids looking real.
    private int _nextBlockId = 1;
    private int _heldBlocks;

    public KvLeaseTable(TimeProvider timeProvider, TimeSpan leaseDuration, SimulatorStats stats)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(stats);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        _timeProvider = timeProvider;
        _leaseDuration = leaseDuration;
        _stats = stats;

        // Sweep often enough that an expired lease does not linger for long, rarely enough to cost nothing.
        TimeSpan period = TimeSpan.FromTicks(Math.Clamp(leaseDuration.Ticks / 4, TimeSpan.TicksPerMillisecond * 50, TimeSpan.TicksPerSecond));
        _sweepTimer = timeProvider.CreateTimer(static state => ((KvLeaseTable)state!).Sweep(), this, period, period);
    }

    public int HeldBlocks
    {
        get
        {
            lock (_gate)
            {
                ExpireLocked();
                return _heldBlocks;
            }
        }
    }

    public int HeldLeases
    {
        get
        {
            lock (_gate)
            {
                ExpireLocked();
                return _leases.Count;
            }
        }
    }

    /// <summary>The request ids of the leases still held (tests name the requests whose blocks were stranded).</summary>
    public string[] HeldRequestIds
    {
        get
        {
            lock (_gate)
            {
                ExpireLocked();
                var ids = new string[_leases.Count];
                int i = 0;
                foreach (KvLease lease in _leases.Values)
                {
                    ids[i++] = lease.RemoteRequestId;
                }

                return ids;
            }
        }
    }

    /// <summary>Allocates <paramref name="blockCount"/> consecutive block ids and holds them until pulled, released or expired.</summary>
    public KvLease Grant(int blockCount, int promptTokens, string remoteRequestId)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockCount, 1);
        lock (_gate)
        {
            ExpireLocked();
            var blockIds = new int[blockCount];
            for (int i = 0; i < blockIds.Length; i++)
            {
                blockIds[i] = _nextBlockId++;
                if (_nextBlockId == int.MaxValue)
                {
                    _nextBlockId = 1;
                }
            }

            var lease = new KvLease(remoteRequestId, blockIds, promptTokens, _timeProvider.GetUtcNow() + _leaseDuration);
            _leases[blockIds[0]] = lease;
            _byExpiry.Enqueue(lease);
            _heldBlocks += blockCount;
            _stats.Increment(SimulatorCounter.LeasesGranted);
            return lease;
        }
    }

    /// <summary>Ends the lease holding exactly <paramref name="blockIds"/>; false when no live lease holds them.</summary>
    public bool TryEnd(ReadOnlySpan<int> blockIds, KvLeaseOutcome outcome)
    {
        if (blockIds.IsEmpty)
        {
            return false;
        }

        lock (_gate)
        {
            ExpireLocked();
            if (!_leases.TryGetValue(blockIds[0], out KvLease? lease) || !blockIds.SequenceEqual(lease.BlockIds))
            {
                return false;
            }

            RemoveLocked(lease);
            _stats.Increment(outcome == KvLeaseOutcome.Pulled ? SimulatorCounter.LeasesPulled : SimulatorCounter.LeasesReleased);
            return true;
        }
    }

    /// <summary>Frees every lease whose time is up; called by the timer and before every read.</summary>
    public void Sweep()
    {
        lock (_gate)
        {
            ExpireLocked();
        }
    }

    public void Dispose() => _sweepTimer.Dispose();

    private void ExpireLocked()
    {
        DateTimeOffset now = _timeProvider.GetUtcNow();
        while (_byExpiry.TryPeek(out KvLease? oldest) && oldest.ExpiresAt <= now)
        {
            _byExpiry.Dequeue();
            if (_leases.TryGetValue(oldest.BlockIds[0], out KvLease? live) && ReferenceEquals(live, oldest))
            {
                RemoveLocked(oldest);
                _stats.Increment(SimulatorCounter.LeasesExpired);
            }
        }
    }

    private void RemoveLocked(KvLease lease)
    {
        _leases.Remove(lease.BlockIds[0]);
        _heldBlocks -= lease.BlockIds.Length;
    }
}
