namespace FastRouter.FlowControl;

/// <summary>
/// One client's waiting requests within one priority band, oldest first, linked through the requests themselves;
/// and the flow's place in its band's round of active flows. Pooled by the <see cref="FlowQueue"/>; guarded by its lock.
/// </summary>
internal sealed class ClientFlow
{
    public ulong Client;
    public QueuedRequest? Oldest;
    public QueuedRequest? Newest;
    public int Count;

    /// <summary>The flow served after this one in the band's round.</summary>
    public ClientFlow? NextInRound;

    /// <summary>The flow served before this one in the band's round.</summary>
    public ClientFlow? PreviousInRound;

    public void Append(QueuedRequest request)
    {
        request.Older = Newest;
        request.Newer = null;
        if (Newest is null)
        {
            Oldest = request;
        }
        else
        {
            Newest.Newer = request;
        }

        Newest = request;
        Count++;
    }

    public void Remove(QueuedRequest request)
    {
        if (request.Older is null)
        {
            Oldest = request.Newer;
        }
        else
        {
            request.Older.Newer = request.Newer;
        }

        if (request.Newer is null)
        {
            Newest = request.Older;
        }
        else
        {
            request.Newer.Older = request.Older;
        }

        request.Older = null;
        request.Newer = null;
        Count--;
    }
}
