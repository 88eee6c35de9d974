namespace FastRouter.LoadTests.Http;

/// <summary>
/// The outcome of one request, with Stopwatch timestamps. Inter-token gaps stay in the
/// <see cref="RequestContext"/> that ran it, so this struct carries no array.
/// </summary>
internal readonly record struct RequestResult(
    RequestOutcome Outcome,
    ErrorCause Cause,
    string? ErrorDetail,
    long OriginTimestamp,
    long FirstTokenTimestamp,
    long EndTimestamp,
    int OutputTokens,
    bool Streamed)
{
    public static RequestResult Failure(ErrorCause cause, string? detail, long origin) =>
        new(RequestOutcome.Failed, cause, detail, origin, 0, 0, 0, false);

    public static RequestResult Cancelled(long origin) =>
        new(RequestOutcome.Cancelled, default, null, origin, 0, 0, 0, false);
}
