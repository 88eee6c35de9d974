namespace FastRouter.LoadTests.Reporting;

internal readonly record struct ChartPoint(double X, double Y);
