using System.Runtime.InteropServices;
using FastRouter.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FastRouter.Hosting;

/// <summary>
/// Replaces the console lifetime so SIGTERM drains instead of stopping at once: /health and /readyz turn 503 immediately,
/// requests are still accepted for --shutdown-delay (load balancers and Kubernetes endpoints need a moment to
/// notice), then the host stops accepting and lets in-flight requests and streams finish for up to
/// --shutdown-timeout, and the process exits 0. A second signal stops at once (exit code 128 + the signal's number).
/// </summary>
internal sealed partial class GracefulShutdown : IHostLifetime, IDisposable
{
    private readonly IHostApplicationLifetime _application;
    private readonly RouterLifecycle _lifecycle;
    private readonly RouterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<GracefulShutdown> _logger;
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _signals;

    public GracefulShutdown(IHostApplicationLifetime application, RouterLifecycle lifecycle, RouterOptions options, TimeProvider time, ILogger<GracefulShutdown> logger)
    {
        _application = application;
        _lifecycle = lifecycle;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        foreach (PosixSignal signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Starts draining as SIGTERM does; returns when the host has been asked to stop.</summary>
    public async Task BeginAsync()
    {
        if (Interlocked.Increment(ref _signals) > 1)
        {
            _application.StopApplication();
            return;
        }

        _lifecycle.BeginDraining();
        Log.Draining(_logger, _options.ShutdownDelay.TotalSeconds, _options.ShutdownTimeout.TotalSeconds);
        if (_options.ShutdownDelay > TimeSpan.Zero)
        {
            await Task.Delay(_options.ShutdownDelay, _time).ConfigureAwait(false);
        }

        _application.StopApplication();
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Keep the runtime from terminating the process: the host stops by itself, and Main returns 0.
        context.Cancel = true;
        if (Volatile.Read(ref _signals) > 0)
        {
            StopAtOnce(context.Signal);
            return;
        }

        _ = BeginAsync();
    }

    /// <summary>
    /// A signal while draining: whoever sends it wants the process gone now, not after the delay and the streams
    /// (asking the host to stop again would still wait for them). The exit code is the shell's for a process killed
    /// by that signal, since in-flight requests are cut; the console log's last lines are written on the way out.
    /// </summary>
    private void StopAtOnce(PosixSignal signal)
    {
        (string name, int exitCode) = signal switch
        {
            PosixSignal.SIGINT => ("SIGINT", 130),
            PosixSignal.SIGQUIT => ("SIGQUIT", 131),
            _ => ("SIGTERM", 143),
        };
        Log.StoppingAtOnce(_logger, name);
        Environment.Exit(exitCode);
    }

    private static partial class Log
    {
        [LoggerMessage(400, LogLevel.Information, "Shutting down: /health and /readyz now answer 503; accepting requests for {DelaySeconds}s more, then letting in-flight requests finish for up to {TimeoutSeconds}s")]
        public static partial void Draining(ILogger logger, double delaySeconds, double timeoutSeconds);

        [LoggerMessage(402, LogLevel.Warning, "{Signal} while shutting down: stopping at once; requests still in flight are cut")]
        public static partial void StoppingAtOnce(ILogger logger, string signal);
    }
}
