using System.Text;

namespace FastRouter.Tests.Telemetry.ConsoleLog;

/// <summary>
/// Stands in for standard output: keeps what is written; while <see cref="Stall"/> is on, a write waits, as a write to
/// a pipe nobody reads does.
/// </summary>
internal sealed class ConsoleSinkStream : Stream
{
    private readonly MemoryStream _written = new();
    private readonly ManualResetEventSlim _open = new(initialState: true);
    private int _writesStarted;

    public string Text
    {
        get
        {
            lock (_written)
            {
                return Encoding.UTF8.GetString(_written.ToArray());
            }
        }
    }

    public string[] Lines => Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Writes begun, including one waiting in a stall.</summary>
    public int WritesStarted => Volatile.Read(ref _writesStarted);

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public void Stall() => _open.Reset();

    public void Resume() => _open.Set();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Interlocked.Increment(ref _writesStarted);
        _open.Wait();
        lock (_written)
        {
            _written.Write(buffer);
        }
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        // Left open: tests read what was written after the router (which owns its output) is gone.
        base.Dispose(disposing);
    }
}
