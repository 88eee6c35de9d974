namespace FastRouter.LoadTests.Reporting;

/// <summary>One line of a chart: its legend name, its colour and its points in data units.</summary>
internal sealed record ChartSeries(string Name, string Color, IReadOnlyList<ChartPoint> Points);
