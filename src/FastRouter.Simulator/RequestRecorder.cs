namespace FastRouter.Simulation;

/// <summary>A bounded ring of the latest received requests: enough history for tests, no growth under load.</summary>
internal sealed class RequestRecorder
{
    private readonly Lock _gate = new();
    private readonly RecordedRequest?[] _ring;
    private int _next;
    private int _count;

    public RequestRecorder(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        _ring = new RecordedRequest?[limit];
    }

    public bool IsEnabled => _ring.Length > 0;

    public void Add(RecordedRequest request)
    {
        if (_ring.Length == 0)
        {
            return;
        }

        lock (_gate)
        {
            _ring[_next] = request;
            _next = (_next + 1) % _ring.Length;
            if (_count < _ring.Length)
            {
                _count++;
            }
        }
    }

    /// <summary>A copy, oldest first, so callers can enumerate while requests keep arriving.</summary>
    public IReadOnlyList<RecordedRequest> Snapshot()
    {
        lock (_gate)
        {
            var copy = new RecordedRequest[_count];
            int start = (_next - _count + _ring.Length) % Math.Max(_ring.Length, 1);
            for (int i = 0; i < _count; i++)
            {
                copy[i] = _ring[(start + i) % _ring.Length]!;
            }

            return copy;
        }
    }
}
