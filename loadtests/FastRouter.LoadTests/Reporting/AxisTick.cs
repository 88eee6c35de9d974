namespace FastRouter.LoadTests.Reporting;

/// <summary>A labelled position on an axis, in data units.</summary>
internal readonly record struct AxisTick(double Value, string Label);
