namespace FastRouter.LoadTests.Overload;

/// <summary>
/// What the pods received, from their <c>/sim/stats</c> after the run: chat requests per role, summed, and the
/// router's retries (from its <c>/metrics</c>; -1 when unread), since a retried prefill is counted by two pods.
/// </summary>
internal sealed record FleetRequests(long PrefillRequests, long DecodeRequests, int PodsRead, int PodsUnread, double RouterRetries, string? FirstError);
