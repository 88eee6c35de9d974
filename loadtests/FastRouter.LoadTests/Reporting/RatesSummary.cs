namespace FastRouter.LoadTests.Reporting;

/// <summary>Throughput over the measured phase and its drain.</summary>
internal sealed record RatesSummary(double RequestsPerSecond, double OutputTokensPerSecond, double ErrorsPerSecond, double? OfferedRequestsPerSecond);
