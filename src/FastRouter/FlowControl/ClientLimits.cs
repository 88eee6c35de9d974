using FastRouter.Configuration;
using Microsoft.AspNetCore.Http;

namespace FastRouter.FlowControl;

/// <summary>
/// Optional per-client limits (--client-max-concurrent, --client-max-rps), beyond which a request gets 429 with
/// Retry-After before its body is read. Clients are told apart as for fair queueing (<see cref="ClientKey"/>).
/// The table of clients is bounded, so random keys cannot fill the router's memory: idle clients are swept, and
/// while the table is full, unknown clients share one entry (and so its limits).
/// </summary>
internal sealed class ClientLimits
{
    /// <summary>Most clients tracked one by one.</summary>
    public const int MaxClients = 65_536;

    private readonly Dictionary<ulong, ClientUsage> _clients = [];
    private readonly Lock _tableLock = new();
    private readonly ClientUsage _overflow = new();
    private readonly TimeProvider _time;
    private readonly int _maxConcurrent;
    private readonly double _maxPerSecond;
    private readonly string _clientHeader;
    private long _rejectedConcurrent;
    private long _rejectedRate;

    public ClientLimits(RouterOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _maxConcurrent = options.ClientMaxConcurrent;
        _maxPerSecond = options.ClientMaxRequestsPerSecond;
        _clientHeader = options.ClientIdHeader;
        _time = time;
        _overflow.Tokens = Math.Max(1, _maxPerSecond);
    }

    public bool IsEnabled => _maxConcurrent > 0 || _maxPerSecond > 0;

    public long RejectedConcurrent => Interlocked.Read(ref _rejectedConcurrent);

    public long RejectedRate => Interlocked.Read(ref _rejectedRate);

    public int TrackedClients
    {
        get
        {
            lock (_tableLock)
            {
                return _clients.Count;
            }
        }
    }

    /// <summary>
    /// Admits a request of <paramref name="client"/> or says which limit it is over; on admission the caller calls
    /// <see cref="Exit"/> with <paramref name="usage"/> when the request ends. <paramref name="retryAfterSeconds"/> is
    /// when trying again can succeed.
    /// </summary>
    public ClientLimitVerdict TryEnter(HttpRequest request, out ClientUsage? usage, out int retryAfterSeconds)
    {
        ArgumentNullException.ThrowIfNull(request);
        return TryEnter(ClientKey.Of(request.Headers, _clientHeader), out usage, out retryAfterSeconds);
    }

    /// <summary>As <see cref="TryEnter(HttpRequest, out ClientUsage?, out int)"/>, for a client already told apart.</summary>
    public ClientLimitVerdict TryEnter(ulong client, out ClientUsage? usage, out int retryAfterSeconds)
    {
        long now = _time.GetTimestamp();
        ClientUsage entry = Find(client, now);
        lock (entry.Gate)
        {
            if (_maxConcurrent > 0 && entry.InFlight >= _maxConcurrent)
            {
                Interlocked.Increment(ref _rejectedConcurrent);
                usage = null;
                retryAfterSeconds = 1;
                return ClientLimitVerdict.TooManyConcurrent;
            }

            if (_maxPerSecond > 0)
            {
                double capacity = Math.Max(1, _maxPerSecond);
                double elapsed = (double)(now - entry.RefilledAt) / _time.TimestampFrequency;
                entry.Tokens = Math.Min(capacity, entry.Tokens + (elapsed * _maxPerSecond));
                entry.RefilledAt = now;
                if (entry.Tokens < 1)
                {
                    Interlocked.Increment(ref _rejectedRate);
                    usage = null;
                    retryAfterSeconds = Math.Max(1, (int)Math.Ceiling((1 - entry.Tokens) / _maxPerSecond));
                    return ClientLimitVerdict.TooManyPerSecond;
                }

                entry.Tokens -= 1;
            }
            else
            {
                entry.RefilledAt = now;
            }

            entry.InFlight++;
        }

        usage = entry;
        retryAfterSeconds = 0;
        return ClientLimitVerdict.Admitted;
    }

    public void Exit(ClientUsage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        lock (usage.Gate)
        {
            usage.InFlight--;
        }
    }

    private ClientUsage Find(ulong client, long now)
    {
        lock (_tableLock)
        {
            if (_clients.TryGetValue(client, out ClientUsage? entry))
            {
                return entry;
            }

            if (_clients.Count >= MaxClients && SweepIdle(now) == 0)
            {
                return _overflow;
            }

            entry = new ClientUsage { Tokens = Math.Max(1, _maxPerSecond), RefilledAt = now };
            _clients.Add(client, entry);
            return entry;
        }
    }

    /// <summary>Forgets clients with nothing in flight and a full bucket: they are as if never seen.</summary>
    private int SweepIdle(long now)
    {
        int removed = 0;
        long second = _time.TimestampFrequency;
        foreach ((ulong key, ClientUsage usage) in _clients)
        {
            bool idle;
            lock (usage.Gate)
            {
                double refilled = usage.Tokens + ((double)(now - usage.RefilledAt) / second * _maxPerSecond);
                idle = usage.InFlight == 0 && (_maxPerSecond <= 0 || refilled >= Math.Max(1, _maxPerSecond));
            }

            if (idle)
            {
                _clients.Remove(key);
                removed++;
            }
        }

        return removed;
    }
}
