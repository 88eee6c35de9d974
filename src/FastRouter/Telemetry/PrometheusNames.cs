using System.Diagnostics.Metrics;
using System.Text;

namespace FastRouter.Telemetry;

/// <summary>
/// Turns instrument names into Prometheus names the way OpenTelemetry's exporter does:
/// <c>fastrouter.request.duration</c> with unit <c>s</c> becomes <c>fastrouter_request_duration_seconds</c>, and a
/// counter gets <c>_total</c>. Colons are kept, so <c>vllm:current_qps</c> passes unchanged.
/// </summary>
internal static class PrometheusNames
{
    public static string For(Instrument instrument, bool isCounter)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        string name = Sanitize(instrument.Name);
        string suffix = instrument.Unit switch
        {
            "s" => "_seconds",
            "ms" => "_milliseconds",
            "By" => "_bytes",
            _ => "",
        };

        if (suffix.Length > 0 && !name.EndsWith(suffix, StringComparison.Ordinal))
        {
            name += suffix;
        }

        if (isCounter && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }

        return name;
    }

    /// <summary>Replaces every character Prometheus does not allow in a name with '_'.</summary>
    public static string Sanitize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        StringBuilder? text = null;
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            bool ok = char.IsAsciiLetter(c) || c == '_' || c == ':' || (i > 0 && char.IsAsciiDigit(c));
            if (!ok)
            {
                text ??= new StringBuilder(name, 0, i, name.Length);
                text.Append('_');
            }
            else
            {
                text?.Append(c);
            }
        }

        return text?.ToString() ?? name;
    }
}
