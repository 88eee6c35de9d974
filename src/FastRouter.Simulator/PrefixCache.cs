namespace FastRouter.Simulation;

/// <summary>A pod's prefix cache: a fixed number of blocks, least recently used evicted first. Thread-safe.</summary>
internal sealed class PrefixCache
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, LinkedListNode<ulong>> _blocks;
    private readonly LinkedList<ulong> _recency = new();
    private readonly int _capacity;
    private long _evicted;

    public PrefixCache(int capacity)
    {
        _capacity = capacity;
        _blocks = new Dictionary<ulong, LinkedListNode<ulong>>(Math.Min(capacity, 65536));
    }

    public int Capacity => _capacity;

    public int UsedBlocks
    {
        get
        {
            lock (_gate)
            {
                return _blocks.Count;
            }
        }
    }

    public long EvictedBlocks => Interlocked.Read(ref _evicted);

    /// <summary>How many leading blocks are cached; those become the most recently used.</summary>
    public int MatchLeading(ReadOnlySpan<ulong> ids)
    {
        lock (_gate)
        {
            int matched = 0;
            while (matched < ids.Length && _blocks.TryGetValue(ids[matched], out LinkedListNode<ulong>? node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                matched++;
            }

            return matched;
        }
    }

    public void Insert(ReadOnlySpan<ulong> ids)
    {
        lock (_gate)
        {
            foreach (ulong id in ids)
            {
                if (_blocks.TryGetValue(id, out LinkedListNode<ulong>? node))
                {
                    _recency.Remove(node);
                    _recency.AddFirst(node);
                    continue;
                }

                if (_blocks.Count >= _capacity)
                {
                    LinkedListNode<ulong> oldest = _recency.Last!;
                    _recency.RemoveLast();
                    _blocks.Remove(oldest.Value);
                    _evicted++;
                }

                _blocks[id] = _recency.AddFirst(id);
            }
        }
    }
}
