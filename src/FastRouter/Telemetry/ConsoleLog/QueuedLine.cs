namespace FastRouter.Telemetry.ConsoleLog;

/// <summary>
/// One line waiting in <see cref="ConsoleLogWriter"/>: either bytes already formatted (at <see cref="Offset"/> in the
/// writer's byte buffer), or a <see cref="LineTemplate"/> and its values, formatted by the writer's thread. The
/// request's thread then only copies a few references: formatting in one warm loop on one thread cost a quarter of
/// what the same lines cost formatted each on its request's thread, between a request's other work.
/// </summary>
internal readonly struct QueuedLine
{
    private QueuedLine(int offset, int length)
    {
        Offset = offset;
        Length = length;
    }

    private QueuedLine(LineTemplate template, DateTime utcNow, string? text, double number, string requestId)
    {
        Template = template;
        Ticks = utcNow.Ticks;
        Text = text;
        Number = number;
        RequestId = requestId;
    }

    /// <summary>Null for a line already formatted.</summary>
    public LineTemplate? Template { get; }

    public long Ticks { get; }

    public string? Text { get; }

    public double Number { get; }

    public string? RequestId { get; }

    public int Offset { get; }

    public int Length { get; }

    public static QueuedLine Formatted(int offset, int length) => new(offset, length);

    /// <summary>A line of <paramref name="template"/> with a text value (or none).</summary>
    public static QueuedLine Of(LineTemplate template, DateTime utcNow, string? text, string requestId) => new(template, utcNow, text, 0, requestId);

    /// <summary>A line of <paramref name="template"/> with a number value.</summary>
    public static QueuedLine Of(LineTemplate template, DateTime utcNow, double number, string requestId) => new(template, utcNow, null, number, requestId);

    /// <summary>Formats a templated line as <see cref="TextLineFormatter"/> would: one line, newline included.</summary>
    public void WriteTo(LineBuffer output)
    {
        LineTemplate template = Template!;
        Span<byte> span = output.GetSpan(Timestamps.MaxLength + 1);
        int written = Timestamps.WriteText(new DateTime(Ticks, DateTimeKind.Utc), span);
        span[written] = (byte)' ';
        output.Advance(written + 1);
        output.Write(template.Head);
        int valueStart = output.WrittenCount;
        if (template.NumberFormat is { } format)
        {
            LogMessageWriter.WriteNumber(Number, format, output);
        }
        else if (Text is { } text)
        {
            LogMessageWriter.WriteChars(text, output);
        }

        output.Write(template.Tail);
        LogMessageWriter.WriteChars(RequestId, output);
        output.Write((byte)']');
        TextLineFormatter.EndLine(valueStart, output);
    }
}
