using System.Threading.Tasks.Sources;

namespace FastRouter.FlowControl;

/// <summary>
/// One request waiting in the <see cref="FlowQueue"/>: the awaitable its handler waits on, its place in its client's
/// flow, its deadline timer and its client-abort registration. Pooled and reused, so waiting allocates nothing once
/// warm. A stale timer or abort callback from an earlier use can still arrive; the queue ignores it because the
/// request is no longer waiting, its deadline is later, or its current token is not cancelled.
/// </summary>
internal sealed class QueuedRequest : IValueTaskSource<QueueOutcome>
{
    private static readonly TimerCallback OnDeadlineCallback = static state => ((QueuedRequest)state!).Owner.OnDeadline((QueuedRequest)state!);
    private static readonly Action<object?, CancellationToken> OnAbortedCallback =
        static (state, _) => ((QueuedRequest)state!).Owner.OnClientLeft((QueuedRequest)state!);

    private ManualResetValueTaskSourceCore<QueueOutcome> _completion = new() { RunContinuationsAsynchronously = true };
    private readonly ITimer _deadlineTimer;
    private CancellationTokenRegistration _abortRegistration;

    public QueuedRequest(FlowQueue owner, TimeProvider time)
    {
        Owner = owner;
        _deadlineTimer = time.CreateTimer(OnDeadlineCallback, this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public FlowQueue Owner { get; }

    public int Band { get; internal set; }

    public ulong Client { get; internal set; }

    /// <summary><see cref="TimeProvider"/> timestamps of the wait.</summary>
    public long EnqueuedAt { get; internal set; }

    public long Deadline { get; internal set; }

    public long LeftAt { get; internal set; }

    /// <summary>The outcome, once the wait has ended.</summary>
    public QueueOutcome Outcome { get; private set; }

    internal bool IsWaiting;
    internal ClientFlow? Flow;
    internal QueuedRequest? Older;
    internal QueuedRequest? Newer;
    internal CancellationToken Aborted;

    public ValueTask<QueueOutcome> WaitAsync() => new(this, _completion.Version);

    /// <summary>
    /// Arms the deadline and the abort callback; called under the queue's lock once the request is in its flow. A
    /// token cancelled meanwhile runs the callback right here, which re-enters the (recursive) lock and takes the
    /// request out again as a departure.
    /// </summary>
    internal void StartTimers(TimeSpan timeout)
    {
        _deadlineTimer.Change(timeout, Timeout.InfiniteTimeSpan);
        if (Aborted.CanBeCanceled)
        {
            _abortRegistration = Aborted.UnsafeRegister(OnAbortedCallback, this);
        }
    }

    /// <summary>Ends the wait; called under the queue's lock, so it must not block on a callback that needs it.</summary>
    internal void Complete(QueueOutcome outcome, long now)
    {
        IsWaiting = false;
        Outcome = outcome;
        LeftAt = now;
        _deadlineTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _abortRegistration.Unregister();
        _abortRegistration = default;
        _completion.SetResult(outcome);
    }

    internal void Reset()
    {
        _completion.Reset();
        _abortRegistration = default;
        Aborted = default;
        Client = 0;
        Band = 0;
    }

    internal void DisposeTimer() => _deadlineTimer.Dispose();

    QueueOutcome IValueTaskSource<QueueOutcome>.GetResult(short token) => _completion.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<QueueOutcome>.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource<QueueOutcome>.OnCompleted(
        Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);
}
