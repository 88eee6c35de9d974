using System.Diagnostics;

namespace FastRouter.Telemetry;

/// <summary>The standard Prometheus process metrics (process_cpu_seconds_total, ...), read at scrape time.</summary>
internal static class ProcessStats
{
    private static readonly double StartTime = ReadStartTime();

    public static double CpuSeconds() => Environment.CpuUsage.TotalTime.TotalSeconds;

    public static long ResidentBytes() => Environment.WorkingSet;

    public static double StartTimeSeconds() => StartTime;

    private static double ReadStartTime()
    {
        try
        {
            using var process = Process.GetCurrentProcess();
            return new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;
        }
        catch (Exception exception) when (exception is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            return DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        }
    }
}
