using FastRouter.Configuration;

namespace FastRouter.Proxying;

/// <summary>
/// Load shedding: at most --max-concurrent-requests completion requests in flight; beyond it a request is refused
/// at once (429 with Retry-After) instead of queueing without bound. One Interlocked operation per request: entered
/// by <c>Hosting/RouterEndpoints</c>, left by <see cref="OrchestratedProxy"/> as the last step of the request.
/// </summary>
internal sealed class ConcurrencyGate
{
    private readonly int _limit;
    private int _inFlight;

    public ConcurrencyGate(RouterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _limit = options.MaxConcurrentRequests;
    }

    public int InFlight => Volatile.Read(ref _inFlight);

    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _inFlight) <= _limit)
        {
            return true;
        }

        Interlocked.Decrement(ref _inFlight);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _inFlight);
}
