using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FastRouter.Proxying;

/// <summary>
/// Gives the memory of dropped large body arrays back to the system once a burst of them is over. Such arrays
/// (<see cref="PooledBuffer.LargestPooledArray"/>) live on the large object heap, which only a gen 2 collection sweeps;
/// the collections <see cref="BufferBudget.DroppedLarge"/> has run during the burst keep its memory for the next
/// large objects, and nothing collects when the router goes quiet: RSS would stay at the burst's peak, in a pod whose
/// limit counts it. So, once at least <see cref="GarbageThreshold"/> of them were dropped since this last ran and a
/// whole tick went by without another, one aggressive blocking collection runs: it compacts and decommits what is
/// free; two more follow, 10 s apart, while no large array is dropped. Under steady large-body traffic no tick is quiet.
/// </summary>
internal sealed partial class LargeBufferReclaimer : BackgroundService
{
    /// <summary>Less than this dropped is left to the GC's own schedule: it is within the 64 MiB a burst may leave behind.</summary>
    public const long GarbageThreshold = 32L * 1024 * 1024;

    private const int FollowUps = 2;

    /// <summary>Ticks between the follow-up collections: Kestrel's pool gives back a share of its idle blocks every 10 s.</summary>
    private const int FollowUpTicks = 10;

    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    private readonly BufferBudget _budget;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public LargeBufferReclaimer(BufferBudget budget, TimeProvider time, ILogger<LargeBufferReclaimer> logger)
    {
        _budget = budget;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick, _time);
        long collectedUpTo = _budget.DroppedLargeBytes;
        long droppedLastTick = collectedUpTo;
        int ticks = 0;
        int followUpAt = 0;
        int followUpsLeft = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                ticks++;
                long dropped = _budget.DroppedLargeBytes;
                bool quiet = dropped == droppedLastTick;
                droppedLastTick = dropped;
                if (!quiet)
                {
                    followUpsLeft = 0;
                }
                else if (dropped - collectedUpTo >= GarbageThreshold)
                {
                    Collect(dropped - collectedUpTo);
                    collectedUpTo = dropped;

                    // Kestrel's memory pool lets the input blocks the burst's connections filled go over the following
                    // minutes (a share every 10 s), and they too are garbage until a collection: two more, while it
                    // stays quiet.
                    followUpsLeft = FollowUps;
                    followUpAt = ticks + FollowUpTicks;
                }
                else if (followUpsLeft > 0 && ticks >= followUpAt)
                {
                    Collect(0);
                    followUpsLeft--;
                    followUpAt = ticks + FollowUpTicks;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    private void Collect(long dropped)
    {
        BodyArrayPool.Trim();
        long before = GC.GetTotalMemory(forceFullCollection: false);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Collected(_logger, dropped, before - GC.GetTotalMemory(forceFullCollection: false));
    }

    [LoggerMessage(402, LogLevel.Debug, "Large body buffers dropped ({DroppedBytes} bytes) and none since: collected, {FreedBytes} bytes of heap given back")]
    private static partial void Collected(ILogger logger, long droppedBytes, long freedBytes);
}
