namespace FastRouter.LoadTests.Overload;

/// <summary>One request's result: how it ended, its time to first token when served, and what went wrong if not.</summary>
internal readonly record struct OverloadOutcome(OverloadOutcomeKind Kind, long TtftMicroseconds, string? Error);
