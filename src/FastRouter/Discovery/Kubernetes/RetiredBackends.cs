namespace FastRouter.Discovery.Kubernetes;

/// <summary>
/// Pods that left the routing table but may still carry requests. Each one's connection pool is disposed once it
/// has no request in flight and has been retired for the grace period (see
/// <see cref="KubernetesDiscoverySettings.RetireGrace"/>). Checked by a cheap periodic poll: a few integer reads,
/// nothing on the hot path.
/// </summary>
internal sealed class RetiredBackends
{
    private readonly List<(Backend Backend, long RetiredAt)> _retired = [];
    private readonly TimeProvider _time;
    private readonly TimeSpan _grace;

    public RetiredBackends(TimeProvider time, TimeSpan grace)
    {
        _time = time;
        _grace = grace;
    }

    public int Count
    {
        get
        {
            lock (_retired)
            {
                return _retired.Count;
            }
        }
    }

    public void Add(Backend backend)
    {
        lock (_retired)
        {
            _retired.Add((backend, _time.GetTimestamp()));
        }
    }

    /// <summary>Disposes and returns the drained ones.</summary>
    public List<Backend> DisposeDrained()
    {
        var drained = new List<Backend>();
        lock (_retired)
        {
            for (int i = _retired.Count - 1; i >= 0; i--)
            {
                (Backend backend, long retiredAt) = _retired[i];
                if (backend.InFlight <= 0 && _time.GetElapsedTime(retiredAt) >= _grace)
                {
                    _retired.RemoveAt(i);
                    drained.Add(backend);
                }
            }
        }

        foreach (Backend backend in drained)
        {
            backend.Dispose();
        }

        return drained;
    }

    /// <summary>At shutdown: everything goes, drained or not.</summary>
    public void DisposeAll()
    {
        lock (_retired)
        {
            foreach ((Backend backend, _) in _retired)
            {
                backend.Dispose();
            }

            _retired.Clear();
        }
    }
}
