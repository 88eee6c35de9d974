using System.Globalization;

namespace FastRouter.Engines;

/// <summary>
/// Reads the Prometheus text exposition format (version 0.0.4, what vLLM's prometheus_client serves) straight from
/// the answer's bytes: spans over one buffer, no string per line, no allocation beyond the result. Only the series
/// of <see cref="EngineSeries"/> are kept; every other line is checked for shape and skipped. Like Prometheus
/// itself, one malformed line rejects the whole answer, so a hostile or broken pod cannot feed half-read figures.
/// </summary>
internal static class PrometheusTextParser
{
    /// <summary>The figures of <paramref name="text"/>, or null when a line is not Prometheus text.</summary>
    public static EngineFigures? Parse(ReadOnlySpan<byte> text)
    {
        var figures = new EngineFigures();
        while (!text.IsEmpty)
        {
            int end = text.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = end < 0 ? text : text[..end];
            text = end < 0 ? default : text[(end + 1)..];
            if (!ParseLine(line, figures))
            {
                return null;
            }
        }

        return figures;
    }

    private static bool ParseLine(ReadOnlySpan<byte> line, EngineFigures figures)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        line = line.TrimStart(" \t"u8);
        if (line.IsEmpty || line[0] == (byte)'#')
        {
            return true;
        }

        int nameLength = NameLength(line);
        if (nameLength == 0)
        {
            return false;
        }

        ReadOnlySpan<byte> name = line[..nameLength];
        ReadOnlySpan<byte> rest = line[nameLength..];
        if (!rest.IsEmpty && rest[0] == (byte)'{')
        {
            int labelsLength = LabelsLength(rest);
            if (labelsLength < 0)
            {
                return false;
            }

            rest = rest[labelsLength..];
        }

        if (rest.IsEmpty || (rest[0] != (byte)' ' && rest[0] != (byte)'\t'))
        {
            return false;
        }

        rest = rest.TrimStart(" \t"u8);
        int valueEnd = rest.IndexOfAny(" \t"u8);
        ReadOnlySpan<byte> valueText = valueEnd < 0 ? rest : rest[..valueEnd];
        if (!TryParseValue(valueText, out double value))
        {
            return false;
        }

        if (valueEnd >= 0)
        {
            // An optional timestamp (integer milliseconds), then nothing.
            ReadOnlySpan<byte> timestamp = rest[valueEnd..].Trim(" \t"u8);
            if (!timestamp.IsEmpty && !long.TryParse(timestamp, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            {
                return false;
            }
        }

        if (SeriesOf(name) is EngineSeries series && double.IsFinite(value))
        {
            figures.Add(series, value);
        }

        return true;
    }

    /// <summary>Length of the metric name at the start of <paramref name="line"/> ([a-zA-Z_:][a-zA-Z0-9_:]*); 0 when none.</summary>
    private static int NameLength(ReadOnlySpan<byte> line)
    {
        int i = 0;
        while (i < line.Length)
        {
            byte c = line[i];
            bool ok = char.IsAsciiLetter((char)c) || c == (byte)'_' || c == (byte)':' || (i > 0 && char.IsAsciiDigit((char)c));
            if (!ok)
            {
                break;
            }

            i++;
        }

        return i;
    }

    /// <summary>
    /// Length of the <c>{name="value",...}</c> block at the start of <paramref name="rest"/>, quotes and escapes
    /// honoured (a '}' inside a value does not end it); -1 when it never closes or a label is not name="value".
    /// </summary>
    private static int LabelsLength(ReadOnlySpan<byte> rest)
    {
        int i = 1;
        while (true)
        {
            while (i < rest.Length && (rest[i] == (byte)' ' || rest[i] == (byte)','))
            {
                i++;
            }

            if (i >= rest.Length)
            {
                return -1;
            }

            if (rest[i] == (byte)'}')
            {
                return i + 1;
            }

            int labelName = NameLength(rest[i..]);
            if (labelName == 0)
            {
                return -1;
            }

            i += labelName;
            if (i + 1 >= rest.Length || rest[i] != (byte)'=' || rest[i + 1] != (byte)'"')
            {
                return -1;
            }

            i += 2;
            while (i < rest.Length && rest[i] != (byte)'"')
            {
                i += rest[i] == (byte)'\\' ? 2 : 1;
            }

            if (i >= rest.Length)
            {
                return -1;
            }

            i++;
        }
    }

    private static bool TryParseValue(ReadOnlySpan<byte> text, out double value)
    {
        if (text.SequenceEqual("+Inf"u8) || text.SequenceEqual("Inf"u8))
        {
            value = double.PositiveInfinity;
            return true;
        }

        if (text.SequenceEqual("-Inf"u8))
        {
            value = double.NegativeInfinity;
            return true;
        }

        if (text.SequenceEqual("NaN"u8))
        {
            value = double.NaN;
            return true;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }

    private static EngineSeries? SeriesOf(ReadOnlySpan<byte> name)
    {
        if (!name.StartsWith("vllm:"u8))
        {
            return null;
        }

        ReadOnlySpan<byte> tail = name[5..];
        if (tail.SequenceEqual("num_requests_running"u8))
        {
            return EngineSeries.Running;
        }

        if (tail.SequenceEqual("num_requests_waiting"u8))
        {
            return EngineSeries.Waiting;
        }

        if (tail.SequenceEqual("kv_cache_usage_perc"u8))
        {
            return EngineSeries.KvCacheUsage;
        }

        if (tail.SequenceEqual("gpu_cache_usage_perc"u8))
        {
            return EngineSeries.GpuCacheUsage;
        }

        if (tail.SequenceEqual("gpu_prefix_cache_hit_rate"u8))
        {
            return EngineSeries.GpuPrefixCacheHitRate;
        }

        // Counters: prometheus_client renders them with _total; exporters that follow the older convention do not.
        if (tail.EndsWith("_total"u8))
        {
            tail = tail[..^6];
        }

        if (tail.SequenceEqual("prefix_cache_queries"u8))
        {
            return EngineSeries.PrefixCacheQueries;
        }

        if (tail.SequenceEqual("gpu_prefix_cache_queries"u8))
        {
            return EngineSeries.GpuPrefixCacheQueries;
        }

        if (tail.SequenceEqual("prefix_cache_hits"u8))
        {
            return EngineSeries.PrefixCacheHits;
        }

        if (tail.SequenceEqual("gpu_prefix_cache_hits"u8))
        {
            return EngineSeries.GpuPrefixCacheHits;
        }

        if (tail.SequenceEqual("prompt_tokens"u8))
        {
            return EngineSeries.PromptTokens;
        }

        if (tail.SequenceEqual("generation_tokens"u8))
        {
            return EngineSeries.GenerationTokens;
        }

        return null;
    }
}
