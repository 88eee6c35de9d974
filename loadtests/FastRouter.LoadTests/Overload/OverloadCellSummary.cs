namespace FastRouter.LoadTests.Overload;

/// <summary>One client x band row of the report (band -1 = both bands of the client).</summary>
internal readonly record struct OverloadCellSummary(
    int Client, int Band, long Sent, long Served, long TooManyRequests, long Unavailable, long OtherErrors, long Hanging, double TtftP50Ms, double TtftP99Ms)
{
    /// <summary>Requests with any answer: served, 429 or 503 (other errors are answers too, but wrong ones).</summary>
    public long Answered => Served + TooManyRequests + Unavailable + OtherErrors;
}
