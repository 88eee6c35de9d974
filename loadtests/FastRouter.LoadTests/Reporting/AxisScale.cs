using System.Globalization;

namespace FastRouter.LoadTests.Reporting;

/// <summary>Axis ranges and "nice" tick steps (1, 2, 2.5 or 5 times a power of ten) for the SVG charts.</summary>
internal static class AxisScale
{
    public static IReadOnlyList<AxisTick> NiceTicks(double min, double max, int approximateCount)
    {
        if (!(max > min))
        {
            max = min + 1;
        }

        double step = NiceStep((max - min) / Math.Max(1, approximateCount));
        double first = Math.Floor(min / step) * step;
        var ticks = new List<AxisTick>();
        for (double value = first; value <= max + (step * 1e-9); value += step)
        {
            ticks.Add(new AxisTick(value, Format(value)));
        }

        return ticks;
    }

    public static double NiceStep(double rough)
    {
        if (!(rough > 0) || !double.IsFinite(rough))
        {
            return 1;
        }

        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double fraction = rough / magnitude;
        double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    /// <summary>Few digits: axis labels must stay short.</summary>
    public static string Format(double value) => Math.Abs(value) switch
    {
        0 => "0",
        >= 100 => value.ToString("F0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("0.#", CultureInfo.InvariantCulture),
        >= 1 => value.ToString("0.##", CultureInfo.InvariantCulture),
        _ => value.ToString("0.###", CultureInfo.InvariantCulture),
    };
}
