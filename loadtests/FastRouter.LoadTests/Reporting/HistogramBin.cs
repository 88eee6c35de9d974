namespace FastRouter.LoadTests.Reporting;

/// <summary>One bar of a distribution chart: values in [From, To) milliseconds, and how many there were.</summary>
internal readonly record struct HistogramBin(double From, double To, long Count);
