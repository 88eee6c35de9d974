namespace FastRouter.Telemetry.ConsoleLog;

/// <summary>
/// Takes formatted log lines from any thread and writes them to the output (standard output) in batches from one
/// thread of its own, so a request never waits on the console. Two fixed buffers: callers copy lines into one under a
/// short lock while the writer thread writes the other. When the one being filled has no room, because the console
/// does not keep up, the line is dropped and counted, never waited for; once the writer has caught up it writes a
/// warning with the number dropped. Dispose writes what is buffered (shutdown keeps its last lines).
/// </summary>
internal sealed class ConsoleLogWriter : IDisposable
{
    /// <summary>Each of the two buffers: about 3,000 request lines, a few seconds of a console falling behind at high rates.</summary>
    public const int DefaultBufferBytes = 512 * 1024;

    /// <summary>
    /// How long the writer lets lines gather after a write before the next: under load it then wakes 100 times a
    /// second, not once or more per request (each wake-up is a context switch on a core the sockets need). One buffer
    /// holds 10 ms of lines at about 40,000 requests/s.
    /// </summary>
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(10);

    /// <summary>Bounds shutdown when the output is stalled: the lines still buffered are then lost, not the exit.</summary>
    private static readonly TimeSpan DisposeTimeout = TimeSpan.FromSeconds(3);

    private readonly Stream _output;
    private readonly Action<long, LineBuffer>? _formatDropped;
    private readonly Lock _gate = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _thread;
    private byte[] _filling;
    private byte[] _writing;
    private int _filled;
    private bool _writerIdle;
    private bool _stopping;
    private long _dropped;
    private long _droppedReported;

    /// <param name="output">Where lines go; written from the writer thread only.</param>
    /// <param name="formatDropped">Formats the "N log lines dropped" warning line into the buffer given.</param>
    /// <param name="bufferBytes">The size of each of the two buffers.</param>
    public ConsoleLogWriter(Stream output, Action<long, LineBuffer>? formatDropped = null, int bufferBytes = DefaultBufferBytes)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferBytes, 1024);
        _output = output;
        _formatDropped = formatDropped;
        _filling = new byte[bufferBytes];
        _writing = new byte[bufferBytes];
        _thread = new Thread(Run) { IsBackground = true, Name = "fastrouter-log" };
        _thread.Start();

        // A process that ends without disposing the host (an error at start-up, Environment.Exit) keeps its last lines.
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>Lines dropped since start because the output did not keep up.</summary>
    public long DroppedLines => Volatile.Read(ref _dropped);

    /// <summary>
    /// Queues whole lines (their newlines included), <paramref name="lineCount"/> of them, all or none; false when
    /// they were dropped.
    /// </summary>
    public bool TryWrite(ReadOnlySpan<byte> line, int lineCount = 1)
    {
        bool wake = false;
        lock (_gate)
        {
            if (_stopping || line.Length > _filling.Length - _filled)
            {
                _dropped += lineCount;
                return false;
            }

            line.CopyTo(_filling.AsSpan(_filled));
            _filled += line.Length;
            if (_writerIdle)
            {
                _writerIdle = false;
                wake = true;
            }
        }

        // Only the first line after the writer went idle pays for waking it; under load it never sleeps long.
        if (wake)
        {
            _wake.Set();
        }

        return true;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        _wake.Set();
        if (_thread.Join(DisposeTimeout))
        {
            _wake.Dispose();
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => Dispose();

    private void Run()
    {
        LineBuffer? warning = null;
        while (true)
        {
            int count;
            long dropped;
            bool stopping;
            lock (_gate)
            {
                count = _filled;
                dropped = _dropped;
                stopping = _stopping;
                if (count == 0)
                {
                    _writerIdle = !stopping;
                }
                else
                {
                    (_filling, _writing) = (_writing, _filling);
                    _filled = 0;
                }
            }

            if (count == 0)
            {
                if (stopping)
                {
                    Flush();
                    return;
                }

                _wake.WaitOne();
                continue;
            }

            Write(_writing.AsSpan(0, count));
            if (dropped > _droppedReported && _formatDropped is not null)
            {
                // The batch before it is out, so the output is moving again: say how many lines it missed.
                warning ??= new LineBuffer();
                warning.Truncate(0);
                _formatDropped(dropped - _droppedReported, warning);
                Write(warning.WrittenSpan);
            }

            _droppedReported = dropped;
            Flush();
            if (!stopping)
            {
                Thread.Sleep(Linger);
            }
        }
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        try
        {
            _output.Write(bytes);
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or NotSupportedException)
        {
            // Standard output closed (the reader went away): logging must not take the router down with it.
        }
    }

    private void Flush()
    {
        try
        {
            _output.Flush();
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or NotSupportedException)
        {
            // As in Write.
        }
    }
}
