using System.Globalization;

namespace FastRouter.LoadTests.Scenarios;

/// <summary>
/// A token count drawn per request: fixed (<c>128</c>), uniform over an inclusive range (<c>uniform:64-512</c>),
/// or normal with a mean and standard deviation (<c>normal:256,64</c>), clamped to [1, <see cref="MaxTokens"/>]
/// because a request needs at least one token and a wild draw must not produce an unsendable prompt.
/// </summary>
internal sealed class LengthDistribution
{
    public const int MaxTokens = 1_000_000;

    private LengthDistribution(LengthDistributionKind kind, double a, double b, string text)
    {
        Kind = kind;
        A = a;
        B = b;
        Text = text;
    }

    public LengthDistributionKind Kind { get; }

    /// <summary>The value (fixed), the minimum (uniform) or the mean (normal).</summary>
    public double A { get; }

    /// <summary>Unused (fixed), the maximum (uniform) or the standard deviation (normal).</summary>
    public double B { get; }

    /// <summary>The spelling it was parsed from, echoed in reports.</summary>
    public string Text { get; }

    /// <summary>The expected value, for estimates such as the body cache size.</summary>
    public double Mean => Kind switch
    {
        LengthDistributionKind.Uniform => (A + B) / 2,
        _ => A,
    };

    public static LengthDistribution Fixed(int tokens) =>
        new(LengthDistributionKind.Fixed, tokens, 0, tokens.ToString(CultureInfo.InvariantCulture));

    public static bool TryParse(string text, out LengthDistribution? distribution, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        distribution = null;
        error = null;
        string trimmed = text.Trim();
        int colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        string kind = colon < 0 ? "fixed" : trimmed[..colon].ToUpperInvariant() switch
        {
            "FIXED" => "fixed",
            "UNIFORM" => "uniform",
            "NORMAL" => "normal",
            _ => string.Empty,
        };
        string arguments = colon < 0 ? trimmed : trimmed[(colon + 1)..];
        switch (kind)
        {
            case "fixed":
                if (int.TryParse(arguments, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value is >= 1 and <= MaxTokens)
                {
                    distribution = new LengthDistribution(LengthDistributionKind.Fixed, value, 0, trimmed);
                    return true;
                }

                error = $"'{text}': a fixed length is a whole number from 1 to {MaxTokens}";
                return false;
            case "uniform":
                string[] range = arguments.Split('-');
                if (range.Length == 2
                    && int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out int min)
                    && int.TryParse(range[1], NumberStyles.None, CultureInfo.InvariantCulture, out int max)
                    && min >= 1 && max >= min && max <= MaxTokens)
                {
                    distribution = new LengthDistribution(LengthDistributionKind.Uniform, min, max, trimmed);
                    return true;
                }

                error = $"'{text}': write uniform:MIN-MAX with 1 <= MIN <= MAX <= {MaxTokens}";
                return false;
            case "normal":
                string[] parts = arguments.Split(',');
                if (parts.Length == 2
                    && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double mean)
                    && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double deviation)
                    && mean >= 1 && mean <= MaxTokens && deviation >= 0 && double.IsFinite(deviation))
                {
                    distribution = new LengthDistribution(LengthDistributionKind.Normal, mean, deviation, trimmed);
                    return true;
                }

                error = $"'{text}': write normal:MEAN,STDDEV with MEAN >= 1 and STDDEV >= 0";
                return false;
            default:
                error = $"'{text}': expected N, uniform:MIN-MAX or normal:MEAN,STDDEV";
                return false;
        }
    }

    /// <summary>Draws one length. Called by one worker at a time with that worker's own <paramref name="random"/>.</summary>
    public int Sample(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        switch (Kind)
        {
            case LengthDistributionKind.Fixed:
                return (int)A;
            case LengthDistributionKind.Uniform:
                return random.Next((int)A, (int)B + 1);
            default:
                // Box-Muller: two uniform draws give one standard normal draw; 1 - NextDouble() avoids log(0).
                double u1 = 1.0 - random.NextDouble();
                double u2 = random.NextDouble();
                double standard = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
                double draw = Math.Round(A + (B * standard));
                return (int)Math.Clamp(draw, 1, MaxTokens);
        }
    }
}
