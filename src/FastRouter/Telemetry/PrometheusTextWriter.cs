using System.Globalization;
using System.Text;

namespace FastRouter.Telemetry;

/// <summary>
/// Writes metric families in the Prometheus text exposition format 0.0.4 (which OpenMetrics scrapers accept too):
/// <c># HELP</c>, <c># TYPE</c>, then one line per series; histograms as cumulative <c>_bucket{le=…}</c> lines
/// ending at <c>+Inf</c>, then <c>_sum</c> and <c>_count</c>. Scrape-time code: it may allocate.
/// </summary>
internal static class PrometheusTextWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static void Write(StringBuilder text, MetricFamily family)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(family);
        ICollection<MetricSeries> series = family.Series;
        if (series.Count == 0 && family.Kind != MetricKind.Counter)
        {
            return;
        }

        text.Append("# HELP ").Append(family.Name).Append(' ');
        AppendEscaped(text, family.Help, escapeQuotes: false);
        text.Append('\n');
        text.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Kind switch
        {
            MetricKind.Counter or MetricKind.ObservedCounter => "counter",
            MetricKind.Histogram => "histogram",
            _ => "gauge",
        }).Append('\n');

        if (family.Kind != MetricKind.Histogram)
        {
            foreach (MetricSeries one in series)
            {
                text.Append(family.Name);
                AppendLabels(text, one, null);
                text.Append(' ');
                AppendNumber(text, one.Value);
                text.Append('\n');
            }

            return;
        }

        double[] bounds = family.Bounds!;
        Span<long> counts = stackalloc long[bounds.Length + 1];
        foreach (MetricSeries one in series)
        {
            long total = one.CopyBuckets(counts);
            long cumulative = 0;
            for (int i = 0; i <= bounds.Length; i++)
            {
                cumulative += counts[i];
                text.Append(family.Name).Append("_bucket");
                AppendLabels(text, one, i < bounds.Length ? Format(bounds[i]) : "+Inf");
                text.Append(' ').Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }

            text.Append(family.Name).Append("_sum");
            AppendLabels(text, one, null);
            text.Append(' ');
            AppendNumber(text, one.Sum);
            text.Append('\n');
            text.Append(family.Name).Append("_count");
            AppendLabels(text, one, null);
            text.Append(' ').Append(total.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }

    public static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private static void AppendNumber(StringBuilder text, double value) => text.Append(Format(value));

    private static void AppendLabels(StringBuilder text, MetricSeries series, string? le)
    {
        if (series.LabelNames.Length == 0 && le is null)
        {
            return;
        }

        text.Append('{');
        for (int i = 0; i < series.LabelNames.Length; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            text.Append(series.LabelNames[i]).Append("=\"");
            AppendEscaped(text, series.LabelValues[i], escapeQuotes: true);
            text.Append('"');
        }

        if (le is not null)
        {
            if (series.LabelNames.Length > 0)
            {
                text.Append(',');
            }

            text.Append("le=\"").Append(le).Append('"');
        }

        text.Append('}');
    }

    private static void AppendEscaped(StringBuilder text, string value, bool escapeQuotes)
    {
        foreach (char c in value)
        {
            switch (c)
            {
                case '\\':
                    text.Append("\\\\");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '"' when escapeQuotes:
                    text.Append("\\\"");
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }
    }
}
