using System.Collections.Concurrent;
using FastRouter.Discovery;

namespace FastRouter.Telemetry;

/// <summary>
/// The <see cref="PodStats"/> of every pod the router knows or has in flight. The hot path finds a pod's stats with
/// one dictionary lookup by reference; <see cref="Observe"/> (scrape, /engines, the stats log, a 1 s timer) marks
/// which pods the current routing table holds and forgets retired ones once idle.
/// </summary>
internal sealed class PodTracker
{
    private readonly ConcurrentDictionary<Backend, PodStats> _pods = new();
    private readonly TimeProvider _time;
    private readonly int _windowSeconds;
    private RoutingTable? _lastTable;

    public PodTracker(TimeProvider time, int windowSeconds)
    {
        _time = time;
        _windowSeconds = windowSeconds;
    }

    public int WindowSeconds => _windowSeconds;

    public PodStats For(Backend pod) =>
        _pods.TryGetValue(pod, out PodStats? stats) ? stats : _pods.GetOrAdd(pod, CreateStats(pod));

    /// <summary>Brings the known/unknown marks up to date with <paramref name="table"/>; cheap when it did not change.</summary>
    public void Observe(RoutingTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        lock (_pods)
        {
            if (ReferenceEquals(table, _lastTable))
            {
                return;
            }

            _lastTable = table;
            foreach (Backend pod in table.Backends)
            {
                PodStats stats = For(pod);
                stats.Known = true;
                stats.Model = pod.Model;
            }

            foreach (KeyValuePair<Backend, PodStats> entry in _pods)
            {
                if (Array.IndexOf(table.Backends, entry.Key) < 0)
                {
                    entry.Value.Known = false;
                    if (entry.Value.InPrefill + entry.Value.InDecoding == 0)
                    {
                        _pods.TryRemove(entry);
                    }
                }
            }
        }
    }

    /// <summary>A snapshot of the tracked pods, known ones first in table order (allocates; not for the hot path).</summary>
    public List<(Backend Pod, PodStats Stats)> Snapshot(RoutingTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        Observe(table);
        var list = new List<(Backend, PodStats)>(_pods.Count);
        foreach (Backend pod in table.Backends)
        {
            list.Add((pod, For(pod)));
        }

        foreach (KeyValuePair<Backend, PodStats> entry in _pods)
        {
            if (!entry.Value.Known)
            {
                list.Add((entry.Key, entry.Value));
            }
        }

        return list;
    }

    private PodStats CreateStats(Backend pod) => new(pod.Name, pod.Role, _windowSeconds, _time.GetUtcNow()) { Model = pod.Model };
}
