namespace FastRouter.Telemetry.ConsoleLog;

/// <summary>
/// Takes log lines from any thread and writes them to the output (standard output) in batches from one thread of its
/// own, so a request never waits on the console. A line comes either formatted (bytes) or as a template and its
/// values (<see cref="QueuedLine"/>), which the writer's thread formats. Two fixed sets of buffers: callers add lines
/// to one under a short lock while the writer thread writes the other, in the order the lines came. When the one
/// being filled has no room, because the console does not keep up, the line is dropped and counted, never waited
/// for; once the writer has caught up it writes a warning with the number dropped. Dispose writes what is buffered
/// (shutdown keeps its last lines).
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

    /// <summary>Formatted output is written once it holds this much, so the writer's own buffer stays small.</summary>
    private const int WriteChunkBytes = 64 * 1024;

    private readonly Stream _output;
    private readonly Action<long, LineBuffer>? _formatDropped;
    private readonly Lock _gate = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _thread;
    private byte[] _filling;
    private byte[] _writing;
    private QueuedLine[] _fillingLines;
    private QueuedLine[] _writingLines;
    private int _filled;
    private int _lines;
    private bool _writerIdle;
    private bool _stopping;
    private long _dropped;
    private long _droppedReported;

    /// <param name="output">Where lines go; written from the writer thread only.</param>
    /// <param name="formatDropped">Formats the "N log lines dropped" warning line into the buffer given.</param>
    /// <param name="bufferBytes">The size of each of the two byte buffers; each holds a line per 64 of its bytes.</param>
    public ConsoleLogWriter(Stream output, Action<long, LineBuffer>? formatDropped = null, int bufferBytes = DefaultBufferBytes)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferBytes, 1024);
        _output = output;
        _formatDropped = formatDropped;
        _filling = new byte[bufferBytes];
        _writing = new byte[bufferBytes];
        _fillingLines = new QueuedLine[bufferBytes / 64];
        _writingLines = new QueuedLine[bufferBytes / 64];
        _thread = new Thread(Run) { IsBackground = true, Name = "fastrouter-log" };
        _thread.Start();

        // A process that ends without disposing the host (an error at start-up, Environment.Exit) keeps its last lines.
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>Lines dropped since start because the output did not keep up.</summary>
    public long DroppedLines => Volatile.Read(ref _dropped);

    /// <summary>Queues one whole formatted line (its newline included); false when it was dropped.</summary>
    public bool TryWrite(ReadOnlySpan<byte> line)
    {
        bool wake;
        lock (_gate)
        {
            if (_stopping || line.Length > _filling.Length - _filled || _lines == _fillingLines.Length)
            {
                _dropped++;
                return false;
            }

            line.CopyTo(_filling.AsSpan(_filled));
            _fillingLines[_lines++] = QueuedLine.Formatted(_filled, line.Length);
            _filled += line.Length;
            wake = WakeWriter();
        }

        // Only the first line after the writer went idle pays for waking it; under load it never sleeps long.
        if (wake)
        {
            _wake.Set();
        }

        return true;
    }

    /// <summary>Queues templated lines, all of them or none (a group stays whole); false when they were dropped.</summary>
    public bool TryWrite(ReadOnlySpan<QueuedLine> lines)
    {
        bool wake;
        lock (_gate)
        {
            if (_stopping || lines.Length > _fillingLines.Length - _lines)
            {
                _dropped += lines.Length;
                return false;
            }

            lines.CopyTo(_fillingLines.AsSpan(_lines));
            _lines += lines.Length;
            wake = WakeWriter();
        }

        if (wake)
        {
            _wake.Set();
        }

        return true;
    }

    /// <summary>Under the lock: whether this caller must wake the writer thread.</summary>
    private bool WakeWriter()
    {
        if (!_writerIdle)
        {
            return false;
        }

        _writerIdle = false;
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
        var output = new LineBuffer();
        while (true)
        {
            int count;
            long dropped;
            bool stopping;
            lock (_gate)
            {
                count = _lines;
                dropped = _dropped;
                stopping = _stopping;
                if (count == 0)
                {
                    _writerIdle = !stopping;
                }
                else
                {
                    (_filling, _writing) = (_writing, _filling);
                    (_fillingLines, _writingLines) = (_writingLines, _fillingLines);
                    _filled = 0;
                    _lines = 0;
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

            WriteLines(_writingLines.AsSpan(0, count), output);
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

    /// <summary>Writes a batch in order, formatting the templated lines, in chunks of about <see cref="WriteChunkBytes"/>.</summary>
    private void WriteLines(Span<QueuedLine> lines, LineBuffer output)
    {
        output.Truncate(0);
        foreach (ref readonly QueuedLine line in lines)
        {
            if (line.Template is null)
            {
                output.Write(_writing.AsSpan(line.Offset, line.Length));
            }
            else
            {
                line.WriteTo(output);
            }

            if (output.WrittenCount >= WriteChunkBytes)
            {
                Write(output.WrittenSpan);
                output.Truncate(0);
            }
        }

        Write(output.WrittenSpan);

        // The batch's strings (request ids, endpoints) are not kept alive until the buffer is filled again.
        lines.Clear();
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
