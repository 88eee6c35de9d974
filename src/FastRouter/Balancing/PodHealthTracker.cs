using FastRouter.Configuration;
using FastRouter.Discovery;
using Microsoft.Extensions.Logging;

namespace FastRouter.Balancing;

/// <summary>
/// Passive health: consecutive transport failures, 5xx and timeouts eject a pod for a time that doubles while it
/// keeps failing (up to a cap); it comes back by itself when the time is up, and one success forgives it.
/// Active health: the prober's verdicts. Thread-safe and lock-free: called on the request path.
/// </summary>
internal sealed partial class PodHealthTracker
{
    private readonly RouterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Telemetry.RouterMetrics? _metrics;

    public PodHealthTracker(RouterOptions options, TimeProvider time, ILogger<PodHealthTracker> logger, Telemetry.RouterMetrics? metrics = null)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _metrics = metrics;
    }

    public long Now => _time.GetTimestamp();

    /// <summary>Ticks per second of <see cref="Now"/>.</summary>
    public long TimestampFrequency => _time.TimestampFrequency;

    /// <summary>May the pod get new requests at <paramref name="now"/> (a <see cref="TimeProvider"/> timestamp)?</summary>
    public static bool IsAvailable(Backend backend, long now)
    {
        BackendHealth health = backend.Health;
        return !health.IsProbeFailing && Volatile.Read(ref health.EjectedUntil) <= now;
    }

    /// <summary>True when the pod is ejected at <paramref name="now"/> by passive health.</summary>
    public static bool IsEjected(Backend backend, long now) => Volatile.Read(ref backend.Health.EjectedUntil) > now;

    /// <summary>A call to the pod succeeded (or failed through the client's fault): the failure streak ends.</summary>
    public void ReportSuccess(Backend backend)
    {
        BackendHealth health = backend.Health;
        if (Volatile.Read(ref health.ConsecutiveFailures) != 0)
        {
            Volatile.Write(ref health.ConsecutiveFailures, 0);
        }

        if (Volatile.Read(ref health.Ejections) != 0 && Volatile.Read(ref health.EjectedUntil) <= _time.GetTimestamp())
        {
            Volatile.Write(ref health.Ejections, 0);
            _metrics?.Readmitted(backend);
            Log.Recovered(_logger, backend.Name);
        }
    }

    /// <summary>A call to the pod failed through the pod's fault. Returns true when this failure ejected it.</summary>
    public bool ReportFailure(Backend backend)
    {
        int threshold = _options.EjectAfterFailures;
        if (threshold <= 0)
        {
            return false;
        }

        BackendHealth health = backend.Health;
        if (Interlocked.Increment(ref health.ConsecutiveFailures) < threshold)
        {
            return false;
        }

        // Only the request that crosses the threshold ejects; the streak starts again for the next ejection.
        Volatile.Write(ref health.ConsecutiveFailures, 0);
        int ejections = Interlocked.Increment(ref health.Ejections);
        TimeSpan length = EjectionLength(ejections);
        Volatile.Write(ref health.EjectedUntil, _time.GetTimestamp() + (long)(length.TotalSeconds * _time.TimestampFrequency));
        _metrics?.Ejected(backend);
        Log.Ejected(_logger, backend.Name, backend.Role.ToString(), threshold, length.TotalSeconds, ejections);
        return true;
    }

    /// <summary>The active prober's verdict on one pod.</summary>
    public void ReportProbe(Backend backend, bool healthy, string? why)
    {
        BackendHealth health = backend.Health;
        if (health.IsProbeFailing == !healthy)
        {
            return;
        }

        health.IsProbeFailing = !healthy;
        if (healthy)
        {
            Log.ProbePassing(_logger, backend.Name);
        }
        else
        {
            Log.ProbeFailing(_logger, backend.Name, why ?? "unhealthy");
        }
    }

    /// <summary>The n-th consecutive ejection lasts EjectionTime × 2^(n−1), capped at MaxEjectionTime.</summary>
    internal TimeSpan EjectionLength(int ejections)
    {
        double factor = Math.Pow(2, Math.Min(ejections - 1, 30));
        double seconds = Math.Min(_options.EjectionTime.TotalSeconds * factor, _options.MaxEjectionTime.TotalSeconds);
        return TimeSpan.FromSeconds(seconds);
    }

    private static partial class Log
    {
        [LoggerMessage(300, LogLevel.Warning, "Pod {Endpoint} ({Role}) ejected after {Failures} consecutive failures for {Seconds}s (ejection {Count} in a row)")]
        public static partial void Ejected(ILogger logger, string endpoint, string role, int failures, double seconds, int count);

        [LoggerMessage(301, LogLevel.Information, "Pod {Endpoint} answered again after its ejection")]
        public static partial void Recovered(ILogger logger, string endpoint);

        [LoggerMessage(302, LogLevel.Warning, "Pod {Endpoint} failed its health probe ({Why}); no new requests until it passes")]
        public static partial void ProbeFailing(ILogger logger, string endpoint, string why);

        [LoggerMessage(303, LogLevel.Information, "Pod {Endpoint} passes its health probe again")]
        public static partial void ProbePassing(ILogger logger, string endpoint);
    }
}
