namespace FastRouter.FlowControl;

/// <summary>
/// The requests of one priority band: a flow per client, served in rounds (one request from each waiting client per
/// round) so that a client sending ten times the others gets no more dispatches than any of them while they wait.
/// Every operation is O(1). Guarded by the <see cref="FlowQueue"/>'s lock.
/// </summary>
internal sealed class PriorityBand
{
    private readonly Dictionary<ulong, ClientFlow> _flows = [];
    private ClientFlow? _first;
    private ClientFlow? _last;

    public int Count { get; private set; }

    public int ActiveClients => _flows.Count;

    public long Enqueued;
    public long Dispatched;
    public long Expired;
    public long ClientsLeft;
    public long RejectedFull;

    /// <summary>Sum of the waits of the requests that left this band, in <see cref="TimeProvider"/> ticks.</summary>
    public long WaitTicks;

    public void Add(QueuedRequest request, Stack<ClientFlow> flowPool)
    {
        if (!_flows.TryGetValue(request.Client, out ClientFlow? flow))
        {
            flow = flowPool.Count > 0 ? flowPool.Pop() : new ClientFlow();
            flow.Client = request.Client;
            _flows.Add(request.Client, flow);
            JoinRound(flow);
        }

        request.Flow = flow;
        flow.Append(request);
        Count++;
        Enqueued++;
    }

    /// <summary>The oldest request of the client whose turn it is; that client goes to the back of the round.</summary>
    public QueuedRequest? TakeNext(Stack<ClientFlow> flowPool)
    {
        ClientFlow? flow = _first;
        if (flow is null)
        {
            return null;
        }

        QueuedRequest request = flow.Oldest!;
        Remove(request, flowPool);
        if (flow.Count != 0 && !ReferenceEquals(_last, flow))
        {
            LeaveRound(flow);
            JoinRound(flow);
        }

        return request;
    }

    /// <summary>Takes a request out wherever it waits (dispatched, deadline passed or client gone).</summary>
    public void Remove(QueuedRequest request, Stack<ClientFlow> flowPool)
    {
        ClientFlow flow = request.Flow!;
        flow.Remove(request);
        request.Flow = null;
        Count--;
        if (flow.Count != 0)
        {
            return;
        }

        LeaveRound(flow);
        _flows.Remove(flow.Client);
        flow.Client = 0;
        flowPool.Push(flow);
    }

    private void JoinRound(ClientFlow flow)
    {
        flow.PreviousInRound = _last;
        flow.NextInRound = null;
        if (_last is null)
        {
            _first = flow;
        }
        else
        {
            _last.NextInRound = flow;
        }

        _last = flow;
    }

    private void LeaveRound(ClientFlow flow)
    {
        if (flow.PreviousInRound is null)
        {
            _first = flow.NextInRound;
        }
        else
        {
            flow.PreviousInRound.NextInRound = flow.NextInRound;
        }

        if (flow.NextInRound is null)
        {
            _last = flow.PreviousInRound;
        }
        else
        {
            flow.NextInRound.PreviousInRound = flow.PreviousInRound;
        }

        flow.NextInRound = null;
        flow.PreviousInRound = null;
    }
}
