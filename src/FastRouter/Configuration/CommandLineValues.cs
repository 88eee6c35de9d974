using System.Globalization;

namespace FastRouter.Configuration;

/// <summary>
/// Converts flag values to typed values, throwing <see cref="CommandLineException"/> with a message that names
/// the flag and the bad value. Always culture-invariant: a router in a German-locale container must still read
/// "0.5" as half a second.
/// </summary>
internal static class CommandLineValues
{
    /// <summary>Largest timeout or interval accepted: a week. Larger values are typos, and TimeSpan must not overflow.</summary>
    public const double MaxSeconds = 7 * 24 * 3600;

    public static int ParseInt(string flag, string value, int min, int max, string what)
    {
        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int parsed)
            || parsed < min || parsed > max)
        {
            throw new CommandLineException(string.Create(
                CultureInfo.InvariantCulture,
                $"argument {flag}: invalid {what} '{value}' (expected an integer from {min} to {max})"));
        }

        return parsed;
    }

    /// <summary>Seconds, decimals allowed ("0.5", "30"), strictly positive.</summary>
    public static TimeSpan ParseSeconds(string flag, string value)
    {
        if (!double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds)
            || !double.IsFinite(seconds) || seconds <= 0 || seconds > MaxSeconds)
        {
            throw new CommandLineException(string.Create(
                CultureInfo.InvariantCulture,
                $"argument {flag}: invalid duration '{value}' (expected seconds greater than 0 and at most {MaxSeconds}, decimals allowed, e.g. 2.5)"));
        }

        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>Like <see cref="ParseSeconds"/> but 0 is allowed, for delays that may be skipped.</summary>
    public static TimeSpan ParseSecondsOrZero(string flag, string value) =>
        value.Trim() is "0" or "0.0" ? TimeSpan.Zero : ParseSeconds(flag, value);

    /// <summary>Like <see cref="ParseByteSize"/> but a plain 0 is allowed, for work that may be skipped.</summary>
    public static long ParseByteSizeOrZero(string flag, string value) =>
        value.Trim() == "0" ? 0 : ParseByteSize(flag, value);

    /// <summary>
    /// A byte count: plain ("33554432") or with a suffix, decimal (KB, MB, GB = x1000) or binary (KiB, MiB, GiB =
    /// x1024), case-insensitive, optional "B". Must be greater than 0.
    /// </summary>
    public static long ParseByteSize(string flag, string value)
    {
        string text = value.Trim();
        long multiplier = 1;
        (string Suffix, long Multiplier)[] suffixes =
        [
            ("KiB", 1024L), ("MiB", 1024L * 1024), ("GiB", 1024L * 1024 * 1024),
            ("KB", 1000L), ("MB", 1000L * 1000), ("GB", 1000L * 1000 * 1000),
            ("B", 1L),
        ];
        foreach ((string suffix, long factor) in suffixes)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                text = text[..^suffix.Length].TrimEnd();
                multiplier = factor;
                break;
            }
        }

        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long number)
            || number <= 0 || number > long.MaxValue / multiplier)
        {
            throw new CommandLineException(
                $"argument {flag}: invalid size '{value}' (expected a number of bytes greater than 0, optionally with KB, MB, GB, KiB, MiB or GiB, e.g. 32MiB)");
        }

        return number * multiplier;
    }

    /// <summary>A decimal number from <paramref name="min"/> to <paramref name="max"/> ("0.25").</summary>
    public static double ParseDouble(string flag, string value, double min, double max)
    {
        if (!double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double parsed)
            || !double.IsFinite(parsed) || parsed < min || parsed > max)
        {
            throw new CommandLineException(string.Create(
                CultureInfo.InvariantCulture,
                $"argument {flag}: invalid number '{value}' (expected a decimal from {min} to {max}, e.g. 0.25)"));
        }

        return parsed;
    }

    /// <summary>An HTTP header name (an RFC 9110 token: letters, digits and !#$%&amp;'*+-.^_`|~).</summary>
    public static string ParseHeaderName(string flag, string value)
    {
        bool valid = value.Length > 0;
        foreach (char c in value)
        {
            valid &= char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
        }

        if (!valid)
        {
            throw new CommandLineException($"argument {flag}: invalid header name '{value}'");
        }

        return value;
    }

    /// <summary>One of <paramref name="choices"/>, matched exactly as argparse does (case-sensitive).</summary>
    public static T ParseChoice<T>(string flag, string value, IReadOnlyList<(string Name, T Value)> choices)
    {
        foreach ((string name, T choice) in choices)
        {
            if (string.Equals(name, value, StringComparison.Ordinal))
            {
                return choice;
            }
        }

        throw new CommandLineException($"argument {flag}: invalid choice: '{value}' (choose from {ListChoices(choices)})");
    }

    public static string ListChoices<T>(IReadOnlyList<(string Name, T Value)> choices)
    {
        var names = new List<string>(choices.Count);
        foreach ((string name, _) in choices)
        {
            names.Add("'" + name + "'");
        }

        return string.Join(", ", names);
    }

    /// <summary>
    /// A comma-separated list: items are trimmed (production-stack strips them too), and an empty item (",,", a
    /// trailing comma, an empty value) is refused because it would silently shift the positional alignment of
    /// --static-backends, --static-models and --static-model-labels.
    /// </summary>
    public static IReadOnlyList<string> ParseList(string flag, string value)
    {
        string[] items = value.Split(',');
        var result = new List<string>(items.Length);
        foreach (string item in items)
        {
            string trimmed = item.Trim();
            if (trimmed.Length == 0)
            {
                throw new CommandLineException($"argument {flag}: empty item in comma-separated list '{value}'");
            }

            result.Add(trimmed);
        }

        return result;
    }

    /// <summary>
    /// A backend base URL: absolute http or https with a host, and nothing after the authority (the router appends
    /// the client's path, so a path or query here would be silently dropped or doubled). A trailing "/" is fine.
    /// </summary>
    public static Uri ParseBackendUrl(string flag, string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out Uri? uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host))
        {
            throw new CommandLineException($"argument {flag}: invalid backend URL '{value}' (expected an absolute http:// or https:// URL such as http://10.0.0.1:8000)");
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length != 0 || uri.Fragment.Length != 0)
        {
            throw new CommandLineException($"argument {flag}: backend URL '{value}' must not have a path, query or fragment (give the base URL, such as http://10.0.0.1:8000)");
        }

        if (uri.UserInfo.Length != 0)
        {
            throw new CommandLineException($"argument {flag}: backend URL '{value}' must not carry credentials (use --backend-api-key)");
        }

        return uri;
    }
}
