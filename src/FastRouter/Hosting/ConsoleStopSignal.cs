using System.Runtime.InteropServices;

namespace FastRouter.Hosting;

/// <summary>A token cancelled by Ctrl+C or SIGTERM, for commands that run without the web host's lifetime.</summary>
internal sealed class ConsoleStopSignal : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    public ConsoleStopSignal()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    public CancellationToken Token => _source.Token;

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _source.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Let the command stop by itself and exit 0 rather than being killed mid-write.
        context.Cancel = true;
        _source.Cancel();
    }
}
