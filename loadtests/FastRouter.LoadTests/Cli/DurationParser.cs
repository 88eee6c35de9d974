using System.Globalization;

namespace FastRouter.LoadTests.Cli;

/// <summary>Durations as people type them: <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c>; a bare number is seconds.</summary>
internal static class DurationParser
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(text);
        duration = default;
        string trimmed = text.Trim();
        (string number, double scale) = trimmed switch
        {
            _ when trimmed.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (trimmed[..^2], 0.001),
            _ when trimmed.EndsWith('s') || trimmed.EndsWith('S') => (trimmed[..^1], 1.0),
            _ when trimmed.EndsWith('m') || trimmed.EndsWith('M') => (trimmed[..^1], 60.0),
            _ when trimmed.EndsWith('h') || trimmed.EndsWith('H') => (trimmed[..^1], 3600.0),
            _ => (trimmed, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            || !double.IsFinite(value) || value < 0 || value * scale > TimeSpan.FromDays(1).TotalSeconds)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(value * scale);
        return true;
    }
}
