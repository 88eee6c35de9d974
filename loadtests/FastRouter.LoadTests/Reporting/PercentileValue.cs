namespace FastRouter.LoadTests.Reporting;

/// <summary>One point of a percentile spectrum: the value (ms) at or below which <see cref="Percentile"/> % of values fall.</summary>
internal sealed record PercentileValue(double Percentile, double ValueMs);
