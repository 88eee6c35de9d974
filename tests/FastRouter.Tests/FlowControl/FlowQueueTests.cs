using FastRouter.FlowControl;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.FlowControl;

public sealed class FlowQueueTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(1);

    [Fact]
    public void A_higher_band_goes_first_and_within_a_band_clients_take_turns_oldest_first()
    {
        var capacity = new SwitchableCapacity();
        using var queue = new FlowQueue(100, 3, capacity, new ManualTimeProvider());
        var heavy = new List<QueuedRequest>();
        for (int i = 0; i < 3; i++)
        {
            heavy.Add(queue.TryEnqueue(1, client: 1, Long, default)!);
        }

        QueuedRequest light = queue.TryEnqueue(1, client: 2, Long, default)!;
        QueuedRequest low = queue.TryEnqueue(2, client: 2, Long, default)!;
        QueuedRequest urgent = queue.TryEnqueue(0, client: 3, Long, default)!;
        Assert.Equal(6, queue.Count);

        capacity.Open = true;
        List<QueuedRequest> order = DrainInDispatchOrder(queue, [.. heavy, light, low, urgent]);

        Assert.Equal([urgent, heavy[0], light, heavy[1], heavy[2], low], order);
    }

    [Fact]
    public void A_client_sending_ten_times_more_gets_no_more_turns_than_a_light_one_while_both_wait()
    {
        var capacity = new SwitchableCapacity();
        using var queue = new FlowQueue(1000, 1, capacity, new ManualTimeProvider());
        var all = new List<QueuedRequest>();
        for (int i = 0; i < 50; i++)
        {
            all.Add(queue.TryEnqueue(0, client: 7, Long, default)!);
        }

        var lightOnes = new List<QueuedRequest>();
        for (int i = 0; i < 5; i++)
        {
            lightOnes.Add(queue.TryEnqueue(0, client: 8, Long, default)!);
        }

        all.AddRange(lightOnes);

        capacity.Open = true;
        List<QueuedRequest> order = DrainInDispatchOrder(queue, all);

        // Of the first ten dispatches, the light client (all of whose requests arrived after the heavy one's) gets five.
        int light = 0;
        for (int i = 0; i < 10; i++)
        {
            light += lightOnes.Contains(order[i]) ? 1 : 0;
        }

        Assert.Equal(5, light);
    }

    [Fact]
    public void Only_one_request_is_released_at_a_time_until_it_holds_its_pod()
    {
        var capacity = new SwitchableCapacity();
        using var queue = new FlowQueue(10, 1, capacity, new ManualTimeProvider());
        QueuedRequest first = queue.TryEnqueue(0, 1, Long, default)!;
        QueuedRequest second = queue.TryEnqueue(0, 2, Long, default)!;

        capacity.Open = true;
        queue.Pump();

        Assert.True(first.WaitAsync().IsCompleted);
        Assert.False(second.WaitAsync().IsCompleted);
        Assert.Equal(QueueOutcome.Dispatched, Ended(first));

        queue.Release(first);
        Assert.True(second.WaitAsync().IsCompleted);
    }

    [Fact]
    public void A_request_past_its_deadline_expires_and_is_never_dispatched()
    {
        var clock = new ManualTimeProvider();
        var capacity = new SwitchableCapacity();
        using var queue = new FlowQueue(10, 1, capacity, clock);
        QueuedRequest request = queue.TryEnqueue(0, 1, TimeSpan.FromSeconds(2), default)!;

        clock.Advance(TimeSpan.FromSeconds(1.9));
        Assert.False(request.WaitAsync().IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(0.1));

        Assert.True(request.WaitAsync().IsCompleted);
        Assert.Equal(QueueOutcome.DeadlineExpired, Ended(request));
        Assert.Equal(0, queue.Count);
        Assert.Equal(TimeSpan.FromSeconds(2).Ticks, request.LeftAt - request.EnqueuedAt);
        capacity.Open = true;
        queue.Pump();
        FlowBandStatistics stats = queue.Statistics(0);
        Assert.Equal((0, 1L, 0L), (stats.Waiting, stats.Expired, stats.Dispatched));
    }

    [Fact]
    public void A_client_that_leaves_is_dropped_at_once_and_leaves_no_trace()
    {
        var capacity = new SwitchableCapacity();
        using var queue = new FlowQueue(10, 1, capacity, new ManualTimeProvider());
        using var abort = new CancellationTokenSource();
        QueuedRequest stays = queue.TryEnqueue(0, 1, Long, default)!;
        QueuedRequest leaves = queue.TryEnqueue(0, 2, Long, abort.Token)!;

        abort.Cancel();

        Assert.Equal(QueueOutcome.ClientLeft, Ended(leaves));
        FlowBandStatistics stats = queue.Statistics(0);
        Assert.Equal((1, 1, 1L), (stats.Waiting, stats.WaitingClients, stats.ClientsLeft));
        queue.Release(leaves);
        capacity.Open = true;
        queue.Pump();
        Assert.Equal(QueueOutcome.Dispatched, Ended(stays));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void A_client_already_gone_when_it_arrives_leaves_at_once()
    {
        using var queue = new FlowQueue(10, 1, new SwitchableCapacity(), new ManualTimeProvider());
        using var abort = new CancellationTokenSource();
        abort.Cancel();

        QueuedRequest request = queue.TryEnqueue(0, 1, Long, abort.Token)!;

        Assert.Equal(QueueOutcome.ClientLeft, Ended(request));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void A_full_queue_refuses_and_counts_the_refusal()
    {
        using var queue = new FlowQueue(2, 2, new SwitchableCapacity(), new ManualTimeProvider());
        Assert.NotNull(queue.TryEnqueue(0, 1, Long, default));
        Assert.NotNull(queue.TryEnqueue(1, 1, Long, default));

        Assert.Null(queue.TryEnqueue(1, 2, Long, default));
        Assert.Equal(1, queue.Statistics(1).RejectedFull);
    }

    [Fact]
    public void Closing_answers_everyone_waiting_and_takes_no_more()
    {
        using var queue = new FlowQueue(10, 2, new SwitchableCapacity(), new ManualTimeProvider());
        QueuedRequest a = queue.TryEnqueue(0, 1, Long, default)!;
        QueuedRequest b = queue.TryEnqueue(1, 2, Long, default)!;

        queue.Close();

        Assert.Equal(QueueOutcome.ShuttingDown, Ended(a));
        Assert.Equal(QueueOutcome.ShuttingDown, Ended(b));
        Assert.Null(queue.TryEnqueue(0, 1, Long, default));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void A_warm_queue_allocates_nothing_per_request()
    {
        var capacity = new SwitchableCapacity();
        using var queue = new FlowQueue(64, 3, capacity, TimeProvider.System);
        using var abort = new CancellationTokenSource();
        RoundTrip(queue, capacity, abort.Token, rounds: 200);

        long before = GC.GetAllocatedBytesForCurrentThread();
        RoundTrip(queue, capacity, abort.Token, rounds: 1000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    private static void RoundTrip(FlowQueue queue, SwitchableCapacity capacity, CancellationToken token, int rounds)
    {
        var requests = new QueuedRequest[8];
        Span<bool> released = stackalloc bool[8];
        for (int round = 0; round < rounds; round++)
        {
            capacity.Open = false;
            for (int i = 0; i < requests.Length; i++)
            {
                requests[i] = queue.TryEnqueue(i % 3, (ulong)(i % 4), Long, token)!;
                released[i] = false;
            }

            capacity.Open = true;
            queue.Pump();
            for (int done = 0; done < requests.Length; done++)
            {
                int next = -1;
                for (int i = 0; i < requests.Length; i++)
                {
                    if (!released[i] && requests[i].WaitAsync().IsCompleted)
                    {
                        next = i;
                    }
                }

                // Not Assert.Equal inside the measured loop: the assertion itself allocates.
                if (next < 0 || requests[next].Outcome != QueueOutcome.Dispatched)
                {
                    throw new InvalidOperationException("A warm round did not dispatch every request.");
                }

                released[next] = true;
                queue.Release(requests[next]);
            }
        }
    }

    private static QueueOutcome? Ended(QueuedRequest request) => request.WaitAsync().IsCompleted ? request.Outcome : null;

    /// <summary>Releases each dispatched request as soon as it is dispatched, recording the order.</summary>
    private static List<QueuedRequest> DrainInDispatchOrder(FlowQueue queue, List<QueuedRequest> waiting)
    {
        var order = new List<QueuedRequest>();
        queue.Pump();
        while (order.Count < waiting.Count)
        {
            QueuedRequest? dispatched = null;
            foreach (QueuedRequest request in waiting)
            {
                if (!order.Contains(request) && request.WaitAsync().IsCompleted)
                {
                    Assert.Null(dispatched);
                    dispatched = request;
                }
            }

            Assert.NotNull(dispatched);
            Assert.Equal(QueueOutcome.Dispatched, Ended(dispatched));
            order.Add(dispatched);
            queue.Release(dispatched);
        }

        return order;
    }
}
