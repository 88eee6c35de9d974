using System.Diagnostics;
using FastRouter.Configuration;

namespace FastRouter.Proxying;

/// <summary>
/// The process-wide bound on the bytes of request bodies and prefill answers buffered at once (--max-buffered-bytes).
/// A buffer is charged its array's size as it grows with the bytes that arrive, and gives it all back when its owner
/// lets it go. Without it, 40 clients sending 30 MiB each made the router hold 1.2 GiB, past the 1000Mi limit of
/// production-stack's router pod. Thread-safe and lock-free: a charge is one compare-and-swap on a long, and only
/// a charge that does not fit allocates (its wait).
/// </summary>
internal sealed class BufferBudget
{
    private readonly long _limit;
    private readonly TimeSpan _wait;
    private long _used;
    private readonly long _collectEvery;
    private long _droppedLargeBytes;
    private long _collectedUpTo;
    private int _collecting;
    private int _waiters;
    private long _rejections;
    private TaskCompletionSource _returned = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public BufferBudget(RouterOptions options)
        : this(ResolveLimit(options), options.BufferBudgetWait)
    {
    }

    public BufferBudget(long limit, TimeSpan wait)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        _limit = limit;
        _wait = wait;
        _collectEvery = Math.Max(MinimumCollectEvery, limit / 4);
    }

    /// <summary>
    /// Least garbage of dropped large arrays that makes a gen 2 collection run (<see cref="DroppedLarge"/>), when a
    /// quarter of the budget is less: a small budget is set where memory is tight, but a collection for every few
    /// bodies would cost more than it saves.
    /// </summary>
    public const long MinimumCollectEvery = 16L * 1024 * 1024;

    /// <summary>The budget, in bytes.</summary>
    public long Limit => _limit;

    /// <summary>Requests answered 503 since start because a buffer found no room within the wait (<see cref="Rejected"/>).</summary>
    public long Rejections => Interlocked.Read(ref _rejections);

    /// <summary>Counts a request refused for want of room.</summary>
    public void Rejected() => Interlocked.Increment(ref _rejections);

    /// <summary>Bytes charged to buffers now.</summary>
    public long Used => Interlocked.Read(ref _used);

    /// <summary>
    /// Bytes of arrays too large for the shared pool that buffers have dropped since the process started: garbage the
    /// GC may not look at soon (<see cref="LargeBufferReclaimer"/>).
    /// </summary>
    public long DroppedLargeBytes => Interlocked.Read(ref _droppedLargeBytes);

    /// <summary>
    /// --max-buffered-bytes, or by default a quarter of the memory the GC may use, at most 256 MiB and at least one
    /// body of the largest size. In a container the GC's limit is 75 % of the cgroup's memory limit unless
    /// the operator set another (DOTNET_GCHeapHardLimit, DOTNET_GCHeapHardLimitPercent): a 1 GiB pod gives 768 MiB,
    /// so 192 MiB of bodies, beside the router's own 50-100 MB and its streams. Outside a container it is the
    /// machine's memory, and the 256 MiB cap keeps a router sized on a laptop from behaving otherwise in its pod.
    /// </summary>
    public static long ResolveLimit(RouterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.MaxBufferedBytes ?? DefaultLimit(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, options.MaxRequestBodyBytes);
    }

    /// <summary>The default budget for <paramref name="availableBytes"/> of GC memory (see <see cref="ResolveLimit"/>).</summary>
    public static long DefaultLimit(long availableBytes, long maxRequestBodyBytes) =>
        Math.Max(Math.Min(RouterOptions.DefaultMaxBufferedBytesCap, availableBytes / 4), maxRequestBodyBytes + 1);

    /// <summary>Charges <paramref name="bytes"/> when they fit; the hot path's only call.</summary>
    public bool TryTake(long bytes)
    {
        long used = Interlocked.Read(ref _used);
        while (true)
        {
            long wanted = used + bytes;
            if (wanted > _limit)
            {
                return false;
            }

            long seen = Interlocked.CompareExchange(ref _used, wanted, used);
            if (seen == used)
            {
                return true;
            }

            used = seen;
        }
    }

    /// <summary>
    /// Charges <paramref name="bytes"/> whether they fit or not: for the first bytes of a buffer that must be read
    /// whatever the budget says (a prefill answer, whose pod holds KV blocks until the router reads their params), so
    /// the budget is overdrawn by at most that much per request in flight.
    /// </summary>
    public void Take(long bytes) => Interlocked.Add(ref _used, bytes);

    /// <summary>
    /// Charges <paramref name="bytes"/> once they fit, waiting for other buffers to give bytes back, but not longer
    /// than the budget's wait: false then. The bound is what breaks a deadlock of many requests each holding part of
    /// the budget and waiting for more; one of them gets its 503 and gives its part back.
    /// </summary>
    public async ValueTask<bool> TakeAsync(long bytes, CancellationToken cancellationToken)
    {
        if (TryTake(bytes))
        {
            return true;
        }

        long started = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _waiters);
        try
        {
            while (true)
            {
                // Read before the attempt, so a return between the attempt and the wait still wakes this one.
                Task returned = Volatile.Read(ref _returned).Task;
                if (TryTake(bytes))
                {
                    return true;
                }

                TimeSpan left = _wait - Stopwatch.GetElapsedTime(started);
                if (left <= TimeSpan.Zero)
                {
                    return false;
                }

                await returned.WaitAsync(left, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _waiters);
        }
    }

    /// <summary>Gives back what <see cref="TryTake"/> or <see cref="TakeAsync"/> charged, and wakes those waiting.</summary>
    public void Return(long bytes)
    {
        Interlocked.Add(ref _used, -bytes);
        if (Volatile.Read(ref _waiters) > 0)
        {
            Interlocked.Exchange(ref _returned, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    /// <summary>
    /// Counts an array a buffer dropped instead of pooling it, and once a quarter of the budget (at least 16 MiB) of
    /// them was dropped since the last time, has a gen 2 collection run on the thread pool: the garbage stays within
    /// about a quarter of the budget. The budget bounds the
    /// bytes buffers hold, not the arrays they outgrew or let go: those are garbage on the large object heap, which
    /// the GC sweeps only when its own large-object budget runs out. Measured with 40 bodies of 30 MiB against a
    /// 256 MiB budget, that garbage took the router to 860 MiB without these collections. A collection of the
    /// router's small heap costs milliseconds, and only traffic of large bodies causes any.
    /// </summary>
    public void DroppedLarge(long bytes)
    {
        long dropped = Interlocked.Add(ref _droppedLargeBytes, bytes);
        if (dropped - Volatile.Read(ref _collectedUpTo) >= _collectEvery && Interlocked.CompareExchange(ref _collecting, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static budget => budget.CollectGarbage(), this, preferLocal: false);
        }
    }

    private void CollectGarbage()
    {
        long upTo = DroppedLargeBytes;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
        Volatile.Write(ref _collectedUpTo, upTo);
        Volatile.Write(ref _collecting, 0);
    }
}
