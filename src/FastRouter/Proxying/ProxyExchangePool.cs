using System.Collections.Concurrent;

namespace FastRouter.Proxying;

/// <summary>A bounded lock-free pool of <see cref="ProxyExchange"/>; beyond its size, extras go to the GC.</summary>
internal sealed class ProxyExchangePool
{
    private readonly ConcurrentQueue<ProxyExchange> _items = new();
    private readonly int _maxSize;
    private int _count;

    public ProxyExchangePool(int maxSize) => _maxSize = maxSize;

    public ProxyExchange Rent()
    {
        if (_items.TryDequeue(out ProxyExchange? exchange))
        {
            Interlocked.Decrement(ref _count);
            return exchange;
        }

        return new ProxyExchange();
    }

    public void Return(ProxyExchange exchange)
    {
        if (Interlocked.Increment(ref _count) <= _maxSize)
        {
            _items.Enqueue(exchange);
        }
        else
        {
            Interlocked.Decrement(ref _count);
        }
    }
}
