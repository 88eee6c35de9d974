namespace FastRouter.LoadTests.Reporting;

/// <summary>
/// Request counts. <see cref="Succeeded"/> and <see cref="Failed"/> cover requests sent in the measured phase;
/// <see cref="SentIncludingWarmup"/> every request sent; <see cref="CutAtEnd"/> those the drain timeout or Ctrl+C ended.
/// </summary>
internal sealed record RequestCountsSummary(long Succeeded, long Failed, long OutputTokens, long SentIncludingWarmup, long CutAtEnd);
