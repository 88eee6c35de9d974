using System.Collections;
using System.Globalization;
using System.Text;

namespace FastRouter.Telemetry.ConsoleLog;

/// <summary>
/// Writes a source-generated log message's text straight into UTF-8 from its template (<c>{OriginalFormat}</c>) and
/// values, so a line costs no message string: values that format themselves into UTF-8 (numbers, dates) are written
/// in place with the template's format and the invariant culture, as <c>LoggerMessage</c>'s own formatter does;
/// strings are transcoded; anything else falls back to its <c>ToString</c>.
/// </summary>
internal static class LogMessageWriter
{
    private const string OriginalFormatKey = "{OriginalFormat}";

    private static readonly double[] Pow10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

    /// <summary>
    /// Writes the message of <paramref name="state"/>; false when it has no template this reads (then nothing was
    /// written and the caller formats the message the generic way).
    /// </summary>
    public static bool TryWrite(IReadOnlyList<KeyValuePair<string, object?>> state, LineBuffer output)
    {
        int count = state.Count;
        if (count == 0)
        {
            return false;
        }

        KeyValuePair<string, object?> last = state[count - 1];
        if (last.Key != OriginalFormatKey || last.Value is not string template)
        {
            return false;
        }

        if (count == 1)
        {
            // LoggerMessage writes a message without values as its template, braces and all.
            WriteChars(template, output);
            return true;
        }

        int start = output.WrittenCount;
        int hole = 0;
        int literalStart = 0;
        int i = 0;
        while (i < template.Length)
        {
            int brace = template.AsSpan(i).IndexOfAny('{', '}');
            if (brace < 0)
            {
                break;
            }

            i += brace;
            char c = template[i];

            WriteChars(template.AsSpan(literalStart, i - literalStart), output);
            if (i + 1 < template.Length && template[i + 1] == c)
            {
                // "{{" or "}}": one literal brace.
                WriteChars(template.AsSpan(i, 1), output);
                i += 2;
                literalStart = i;
                continue;
            }

            int close = c == '{' ? template.IndexOf('}', i + 1) : -1;
            if (close < 0 || hole >= count - 1)
            {
                return Undo(output, start);
            }

            ReadOnlySpan<char> placeholder = template.AsSpan(i + 1, close - i - 1);
            if (placeholder.Contains(','))
            {
                // Alignment is not used by the router's messages; the generic formatter handles it.
                return Undo(output, start);
            }

            int colon = placeholder.IndexOf(':');
            ReadOnlySpan<char> format = colon < 0 ? default : placeholder[(colon + 1)..];
            int field = FieldOf(state, hole, colon < 0 ? placeholder : placeholder[..colon]);
            if (field < 0)
            {
                return Undo(output, start);
            }

            WriteValue(state[field].Value, format, output);
            hole++;
            i = close + 1;
            literalStart = i;
        }

        WriteChars(template.AsSpan(literalStart), output);
        return true;
    }

    /// <summary>
    /// The index of the value named <paramref name="name"/>. The generated state lists values in the method's
    /// parameter order, which need not be the template's (<c>Log(requestId, phase)</c> for "during {Phase}
    /// [request_id={RequestId}]"), so the hole's own position is only the first guess.
    /// </summary>
    private static int FieldOf(IReadOnlyList<KeyValuePair<string, object?>> state, int hole, ReadOnlySpan<char> name)
    {
        int values = state.Count - 1;
        if (hole < values && name.Equals(state[hole].Key, StringComparison.OrdinalIgnoreCase))
        {
            return hole;
        }

        for (int i = 0; i < values; i++)
        {
            if (name.Equals(state[i].Key, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Transcodes <paramref name="text"/> into UTF-8.</summary>
    public static void WriteChars(ReadOnlySpan<char> text, LineBuffer output)
    {
        if (text.IsEmpty)
        {
            return;
        }

        Span<byte> span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    /// <summary>A double as <see cref="TryWrite"/> writes it for a placeholder with <paramref name="format"/>, without boxing it.</summary>
    public static void WriteNumber(double value, ReadOnlySpan<char> format, LineBuffer output)
    {
        if (TryWriteFixed(value, format, output))
        {
            return;
        }

        int sizeHint = 64;
        while (true)
        {
            if (value.TryFormat(output.GetSpan(sizeHint), out int written, format, CultureInfo.InvariantCulture))
            {
                output.Advance(written);
                return;
            }

            sizeHint *= 4;
        }
    }

    private static void WriteValue(object? value, ReadOnlySpan<char> format, LineBuffer output)
    {
        switch (value)
        {
            case null:
                output.Write("(null)"u8);
                return;
            case string text:
                WriteChars(text, output);
                return;
            case double number when TryWriteFixed(number, format, output):
                return;
            case Uri uri:
                // Before the interface checks, which a Uri fails one by one; it caches its string.
                WriteChars(uri.ToString(), output);
                return;
            case IUtf8SpanFormattable formattable:
                WriteFormattable(formattable, format, output);
                return;
            case IEnumerable items:
                WriteItems(items, output);
                return;
            case IFormattable formattable:
                WriteChars(formattable.ToString(format.IsEmpty ? null : format.ToString(), CultureInfo.InvariantCulture), output);
                return;
            default:
                WriteChars(value.ToString(), output);
                return;
        }
    }

    /// <summary>
    /// <c>F0</c>–<c>F9</c> of a double (the router's durations, <c>{Seconds:F2}</c>) without the general number
    /// formatter, which costs most of such a line: the value scaled and rounded half away from zero, as the formatter
    /// rounds. Values whose scaled fraction is within a hair of one half, where the scaling's own rounding could
    /// tip the digit, and large or odd values are left to the formatter, so the text is always the formatter's.
    /// </summary>
    private static bool TryWriteFixed(double value, ReadOnlySpan<char> format, LineBuffer output)
    {
        if (format.Length != 2 || (format[0] != 'F' && format[0] != 'f') || !char.IsAsciiDigit(format[1]) || !(value >= 0 && value < 1e9))
        {
            return false;
        }

        int decimals = format[1] - '0';
        double scaled = value * Pow10[decimals];
        double floor = Math.Floor(scaled);
        double fraction = scaled - floor;
        if (Math.Abs(fraction - 0.5) < 1e-6 || scaled >= 1e15)
        {
            return false;
        }

        long units = (long)floor + (fraction > 0.5 ? 1 : 0);
        long divisor = (long)Pow10[decimals];
        long whole = units / divisor;
        long part = units % divisor;
        Span<byte> span = output.GetSpan(32);
        whole.TryFormat(span, out int written, default, CultureInfo.InvariantCulture);
        if (decimals > 0)
        {
            span[written++] = (byte)'.';
            for (int i = decimals - 1; i >= 0; i--)
            {
                span[written + i] = (byte)('0' + (part % 10));
                part /= 10;
            }

            written += decimals;
        }

        output.Advance(written);
        return true;
    }

    private static void WriteFormattable(IUtf8SpanFormattable value, ReadOnlySpan<char> format, LineBuffer output)
    {
        int sizeHint = 64;
        while (true)
        {
            if (value.TryFormat(output.GetSpan(sizeHint), out int written, format, CultureInfo.InvariantCulture))
            {
                output.Advance(written);
                return;
            }

            sizeHint *= 4;
        }
    }

    /// <summary>As <c>LoggerMessage</c>'s formatter: a list's items joined by ", ".</summary>
    private static void WriteItems(IEnumerable items, LineBuffer output)
    {
        bool first = true;
        foreach (object? item in items)
        {
            if (!first)
            {
                output.Write(", "u8);
            }

            first = false;
            WriteValue(item, default, output);
        }
    }

    private static bool Undo(LineBuffer output, int start)
    {
        output.Truncate(start);
        return false;
    }
}
