using System.Globalization;
using System.Net;
using System.Text;

namespace FastRouter.LoadTests.Reporting;

/// <summary>
/// Inline SVG line and bar charts, written by hand so the report opens anywhere without a CDN or script:
/// axes with nice ticks, a light grid, a legend, and a title attribute on every point for exact values.
/// </summary>
internal static class SvgChart
{
    private const int Width = 1100;
    private const int Height = 330;
    private const int Left = 70;
    private const int Right = 20;
    private const int Top = 40;
    private const int Bottom = 50;

    /// <param name="xTicks">Explicit x ticks (e.g. percentile labels on a log axis); null for nice numeric ticks.</param>
    public static string Line(string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series, IReadOnlyList<AxisTick>? xTicks = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        var points = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToArray();
        if (points.Length == 0)
        {
            return Empty(title);
        }

        double xMin = xTicks?.Min(t => t.Value) ?? points.Min(p => p.X);
        double xMax = xTicks?.Max(t => t.Value) ?? points.Max(p => p.X);
        if (!(xMax > xMin))
        {
            xMax = xMin + 1;
        }

        IReadOnlyList<AxisTick> yTicks = AxisScale.NiceTicks(0, Math.Max(points.Max(p => p.Y), 1e-3), 6);
        double yMax = yTicks[^1].Value;
        IReadOnlyList<AxisTick> xAxis = xTicks ?? AxisScale.NiceTicks(xMin, xMax, 10);
        if (xTicks is null)
        {
            xMin = Math.Min(xMin, xAxis[0].Value);
            xMax = Math.Max(xMax, xAxis[^1].Value);
        }

        var svg = Begin(title);
        Axes(svg, xAxis, yTicks, xMin, xMax, yMax, xLabel, yLabel);
        int legendX = Left + 10;
        foreach (ChartSeries line in series)
        {
            var path = new StringBuilder();
            foreach (ChartPoint point in line.Points)
            {
                path.Append(CultureInfo.InvariantCulture, $"{X(point.X, xMin, xMax):F1},{Y(point.Y, yMax):F1} ");
            }

            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{line.Color}\" stroke-width=\"2\" points=\"{path}\"/>");
            foreach (ChartPoint point in line.Points)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(point.X, xMin, xMax):F1}\" cy=\"{Y(point.Y, yMax):F1}\" r=\"2.5\" fill=\"{line.Color}\"><title>{Encode(line.Name)}: {AxisScale.Format(point.Y)} at {AxisScale.Format(point.X)}</title></circle>");
            }

            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{legendX}\" y=\"{Top - 22}\" width=\"14\" height=\"4\" fill=\"{line.Color}\"/><text x=\"{legendX + 18}\" y=\"{Top - 16}\" class=\"legend\">{Encode(line.Name)}</text>");
            legendX += 30 + (line.Name.Length * 7);
        }

        return End(svg);
    }

    public static string Bars(string title, string xLabel, string yLabel, IReadOnlyList<HistogramBin> bins, string color)
    {
        ArgumentNullException.ThrowIfNull(bins);
        if (bins.Count == 0 || bins.All(b => b.Count == 0))
        {
            return Empty(title);
        }

        double xMin = bins[0].From;
        double xMax = bins[^1].To;
        IReadOnlyList<AxisTick> yTicks = AxisScale.NiceTicks(0, bins.Max(b => b.Count), 6);
        double yMax = yTicks[^1].Value;
        var svg = Begin(title);
        Axes(svg, AxisScale.NiceTicks(xMin, xMax, 10).Where(t => t.Value >= xMin && t.Value <= xMax).ToArray(), yTicks, xMin, xMax, yMax, xLabel, yLabel);
        foreach (HistogramBin bin in bins)
        {
            double x0 = X(bin.From, xMin, xMax);
            double x1 = X(bin.To, xMin, xMax);
            double y = Y(bin.Count, yMax);
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x0:F1}\" y=\"{y:F1}\" width=\"{Math.Max(1, x1 - x0 - 1):F1}\" height=\"{Height - Bottom - y:F1}\" fill=\"{color}\"><title>{AxisScale.Format(bin.From)}–{AxisScale.Format(bin.To)} ms: {bin.Count}</title></rect>");
        }

        return End(svg);
    }

    private static StringBuilder Begin(string title)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<figure><figcaption>{Encode(title)}</figcaption><svg viewBox=\"0 0 {Width} {Height}\" width=\"100%\" role=\"img\" aria-label=\"{Encode(title)}\">");
        return svg;
    }

    private static string End(StringBuilder svg) => svg.Append("</svg></figure>").ToString();

    private static string Empty(string title) =>
        $"<figure><figcaption>{Encode(title)}</figcaption><p class=\"empty\">No values recorded.</p></figure>";

    private static void Axes(StringBuilder svg, IReadOnlyList<AxisTick> xTicks, IReadOnlyList<AxisTick> yTicks, double xMin, double xMax, double yMax, string xLabel, string yLabel)
    {
        foreach (AxisTick tick in yTicks)
        {
            double y = Y(tick.Value, yMax);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{y:F1}\" y2=\"{y:F1}\" class=\"grid\"/><text x=\"{Left - 6}\" y=\"{y + 4:F1}\" class=\"tick\" text-anchor=\"end\">{Encode(tick.Label)}</text>");
        }

        foreach (AxisTick tick in xTicks)
        {
            double x = X(tick.Value, xMin, xMax);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x:F1}\" x2=\"{x:F1}\" y1=\"{Top}\" y2=\"{Height - Bottom}\" class=\"grid\"/><text x=\"{x:F1}\" y=\"{Height - Bottom + 16}\" class=\"tick\" text-anchor=\"middle\">{Encode(tick.Label)}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Height - Bottom}\" y2=\"{Height - Bottom}\" class=\"axis\"/><line x1=\"{Left}\" x2=\"{Left}\" y1=\"{Top}\" y2=\"{Height - Bottom}\" class=\"axis\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 10}\" class=\"label\" text-anchor=\"middle\">{Encode(xLabel)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(16 {(Top + Height - Bottom) / 2}) rotate(-90)\" class=\"label\" text-anchor=\"middle\">{Encode(yLabel)}</text>");
    }

    private static double X(double value, double min, double max) => Left + ((value - min) / (max - min) * (Width - Left - Right));

    private static double Y(double value, double max) => Height - Bottom - (Math.Clamp(value / max, 0, 1) * (Height - Top - Bottom));

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
