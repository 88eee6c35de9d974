namespace FastRouter.LoadTests.Metrics;

/// <summary>Names of the metrics as they appear in summary.json, the console table and the HTML report.</summary>
internal static class MetricNames
{
    public static IReadOnlyList<MetricKind> All { get; } = Enum.GetValues<MetricKind>();

    public static string Key(MetricKind kind) => kind switch
    {
        MetricKind.TimeToFirstToken => "ttft",
        MetricKind.InterTokenLatency => "itl",
        MetricKind.TimePerOutputToken => "tpot",
        MetricKind.EndToEnd => "e2e",
        MetricKind.ScheduleLag => "schedule_lag",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static string Title(MetricKind kind) => kind switch
    {
        MetricKind.TimeToFirstToken => "TTFT",
        MetricKind.InterTokenLatency => "ITL",
        MetricKind.TimePerOutputToken => "TPOT",
        MetricKind.EndToEnd => "E2E latency",
        MetricKind.ScheduleLag => "Schedule lag",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
