namespace FastRouter.LoadTests.Conversations;

/// <summary>
/// One turn's result. Timestamps are <see cref="Http.MonotonicTime"/> ticks; <see cref="Answer"/> is the streamed
/// text (null on failure), <see cref="GapsMicroseconds"/> the inter-token gaps.
/// </summary>
internal sealed record TurnOutcome(bool Succeeded, string? Error, long TtftMicroseconds, IReadOnlyList<long> GapsMicroseconds, string? Answer);
