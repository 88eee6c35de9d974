namespace FastRouter.Simulation;

/// <summary>
/// The opt-in engine model (<see cref="SimulatorOptions.CacheBlocks"/> &gt; 0): a prefix cache, prefill batches that
/// queue, inter-token latency that grows with the streams decoding, local prefills that stall those streams, and
/// KV pulls that cost time per token pulled. One batch loop per pod; everything else is lock-protected state.
/// </summary>
internal sealed class EngineModel : IDisposable
{
    private readonly SimulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly SimulatorStats _stats;
    private readonly Lock _gate = new();
    private readonly Queue<PrefillJob> _waiting = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private long _stalledUntil;
    private int _streams;
    private int _blocksInUse;
    private int _inBatch;

    public EngineModel(SimulatorOptions options, SimulatorStats stats)
    {
        _options = options;
        _time = options.TimeProvider;
        _stats = stats;
        Cache = new PrefixCache(options.CacheBlocks);
        _loop = Task.Run(RunBatchesAsync);
    }

    public PrefixCache Cache { get; }

    /// <summary>Prefill requests queued behind the running batch (vLLM's num_requests_waiting).</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    public int Streams => Volatile.Read(ref _streams);

    /// <summary>Blocks held by the requests being served now, queued prefills included.</summary>
    public int BlocksInUse => Volatile.Read(ref _blocksInUse);

    /// <summary>A request being served holds the blocks of its prompt (its KV) until it ends; returns how many.</summary>
    public int HoldBlocks(byte[] rendered)
    {
        int blocks = (BlockChain.TokensOf(rendered.Length) + _options.BlockTokens - 1) / _options.BlockTokens;
        Interlocked.Add(ref _blocksInUse, blocks);
        return blocks;
    }

    public void ReleaseBlocks(int blocks) => Interlocked.Add(ref _blocksInUse, -blocks);

    public int InBatch => Volatile.Read(ref _inBatch);

    /// <summary>Queues a prefill; completes when its batch has run. Returns the tokens found cached.</summary>
    public async Task<int> PrefillAsync(byte[] rendered, CancellationToken cancellationToken)
    {
        var job = new PrefillJob(rendered, BlockChain.FullBlockIds(rendered, _options.BlockTokens));
        lock (_gate)
        {
            _waiting.Enqueue(job);
        }

        _signal.Release();
        using (cancellationToken.UnsafeRegister(static state => ((PrefillJob)state!).Done.TrySetCanceled(), job))
        {
            return await job.Done.Task.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A decode pod computing a prompt itself (no kv_transfer_params): the compute is serialised with other local
    /// prefills and every running stream waits for it, as chunked prefill takes the GPU from decoding.
    /// </summary>
    public async Task LocalPrefillAsync(byte[] rendered, CancellationToken cancellationToken)
    {
        ulong[] ids = BlockChain.FullBlockIds(rendered, _options.BlockTokens);
        int tokens = BlockChain.TokensOf(rendered.Length);
        int cached = Lookup(ids, tokens, recomputeLast: true);
        TimeSpan compute = _options.PrefillBaseLatency + ComputeTime(tokens - cached);
        long until;
        lock (_gate)
        {
            long now = _time.GetTimestamp();
            until = Math.Max(now, _stalledUntil) + (long)(compute.TotalSeconds * _time.TimestampFrequency);
            _stalledUntil = until;
        }

        Count(tokens, cached);
        await WaitUntilAsync(until, cancellationToken).ConfigureAwait(false);
        Cache.Insert(ids);
    }

    /// <summary>Decode with remote KV: looks its own cache up first and pulls only the rest. Returns tokens pulled.</summary>
    public async Task<int> PullAsync(byte[] rendered, CancellationToken cancellationToken)
    {
        ulong[] ids = BlockChain.FullBlockIds(rendered, _options.BlockTokens);
        int tokens = BlockChain.TokensOf(rendered.Length);
        int cached = Lookup(ids, tokens, recomputeLast: false);
        int pulled = tokens - cached;
        _stats.Add(SimulatorCounter.PrefixCacheQueries, tokens);
        _stats.Add(SimulatorCounter.PromptTokensCached, cached);
        _stats.Add(SimulatorCounter.PromptTokensPulled, pulled);
        if (_options.KvPullTokensPerSecond > 0 && pulled > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(pulled / _options.KvPullTokensPerSecond), _time, cancellationToken).ConfigureAwait(false);
        }

        Cache.Insert(ids);
        return pulled;
    }

    public void StreamStarted() => Interlocked.Increment(ref _streams);

    /// <summary>The stream ended: its sequence (prompt + the text generated) is cached, full blocks only.</summary>
    public void StreamEnded(byte[] rendered, int generatedTokens)
    {
        Interlocked.Decrement(ref _streams);
        if (generatedTokens <= 0)
        {
            return;
        }

        var sequence = new CommunityToolkit.HighPerformance.Buffers.ArrayPoolBufferWriter<byte>(rendered.Length + (generatedTokens * 8));
        try
        {
            rendered.CopyTo(sequence.GetSpan(rendered.Length));
            sequence.Advance(rendered.Length);
            GeneratedText.AppendTokens(sequence, generatedTokens);
            Cache.Insert(BlockChain.FullBlockIds(sequence.WrittenSpan, _options.BlockTokens));
        }
        finally
        {
            sequence.Dispose();
        }
    }

    /// <summary>Waits out any stall, then one inter-token gap that grows with the other streams decoding.</summary>
    public async Task NextTokenAsync(CancellationToken cancellationToken)
    {
        long until;
        lock (_gate)
        {
            until = _stalledUntil;
        }

        if (until > _time.GetTimestamp())
        {
            _stats.Add(SimulatorCounter.TokensStalled, 1);
        }

        await WaitUntilAsync(until, cancellationToken).ConfigureAwait(false);
        TimeSpan gap = _options.InterTokenLatency + (_options.InterTokenLatencyPerStream * Math.Max(0, Streams - 1));
        if (gap > TimeSpan.Zero)
        {
            await Task.Delay(gap, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _signal.Release();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            // The loop ends by cancellation; nothing to report.
        }

        _stopping.Dispose();
        _signal.Dispose();
    }

    private async Task RunBatchesAsync()
    {
        var batch = new List<(PrefillJob Job, int Cached)>();
        CancellationToken stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            // Cache lookup at batch start, budget in uncached tokens; the first job always fits.
            long uncached = 0;
            batch.Clear();
            lock (_gate)
            {
                while (_waiting.Count > 0)
                {
                    PrefillJob next = _waiting.Peek();
                    if (next.Done.Task.IsCompleted)
                    {
                        _waiting.Dequeue();
                        continue;
                    }

                    int tokens = BlockChain.TokensOf(next.Rendered.Length);
                    int cached = Lookup(next.Ids, tokens, recomputeLast: true);
                    if (batch.Count > 0 && uncached + tokens - cached > _options.MaxBatchTokens)
                    {
                        break;
                    }

                    _waiting.Dequeue();
                    batch.Add((next, cached));
                    uncached += tokens - cached;
                }
            }

            if (batch.Count == 0)
            {
                continue;
            }

            Volatile.Write(ref _inBatch, batch.Count);
            _stats.Increment(SimulatorCounter.PrefillBatches);
            TimeSpan work = _options.PrefillBaseLatency + ComputeTime(uncached);
            try
            {
                if (work > TimeSpan.Zero)
                {
                    await Task.Delay(work, _time, stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            foreach ((PrefillJob job, int cached) in batch)
            {
                Count(BlockChain.TokensOf(job.Rendered.Length), cached);
                Cache.Insert(job.Ids);
                job.Done.TrySetResult(cached);
            }

            Volatile.Write(ref _inBatch, 0);

            // Jobs beyond this batch's budget are still queued: run the next batch without a new signal.
            lock (_gate)
            {
                if (_waiting.Count > 0)
                {
                    _signal.Release();
                }
            }
        }
    }

    /// <summary>
    /// Tokens found cached: the longest chain of leading blocks present. A prefill always computes at least the last
    /// token (vLLM recomputes it to sample), so a fully cached prompt still costs one token.
    /// </summary>
    private int Lookup(ulong[] ids, int tokens, bool recomputeLast)
    {
        int cached = Cache.MatchLeading(ids) * _options.BlockTokens;
        return Math.Min(cached, recomputeLast ? tokens - 1 : tokens);
    }

    private void Count(int tokens, int cached)
    {
        _stats.Add(SimulatorCounter.PrefixCacheQueries, tokens);
        _stats.Add(SimulatorCounter.PromptTokensCached, cached);
        _stats.Add(SimulatorCounter.PromptTokensComputed, tokens - cached);
    }

    private TimeSpan ComputeTime(long tokens) =>
        _options.PrefillTokensPerSecond > 0 && tokens > 0 ? TimeSpan.FromSeconds(tokens / _options.PrefillTokensPerSecond) : TimeSpan.Zero;

    private Task WaitUntilAsync(long timestamp, CancellationToken cancellationToken)
    {
        long now = _time.GetTimestamp();
        return timestamp <= now
            ? Task.CompletedTask
            : Task.Delay(TimeSpan.FromSeconds((double)(timestamp - now) / _time.TimestampFrequency), _time, cancellationToken);
    }
}
