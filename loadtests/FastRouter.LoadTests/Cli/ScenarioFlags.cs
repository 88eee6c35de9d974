using System.Globalization;

namespace FastRouter.LoadTests.Cli;

/// <summary>
/// The command line of a scenario with its own flags (conversations, overload): <c>--flag value</c> or
/// <c>--flag=value</c>, each at most once, unknown flags refused, <c>--no-progress</c> alone; and the value parsers
/// both use, so a bad value gets the same message whichever scenario it was given to.
/// </summary>
internal static class ScenarioFlags
{
    /// <summary>True when the arguments ask for <paramref name="scenario"/>.</summary>
    public static bool Applies(IReadOnlyList<string> args, string scenario)
    {
        ArgumentNullException.ThrowIfNull(args);
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] == "--scenario=" + scenario || (args[i] == "--scenario" && i + 1 < args.Count && args[i + 1] == scenario))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The flags' values by name (without the dashes); <paramref name="progress"/> false on --no-progress.</summary>
    public static Dictionary<string, string> Read(IReadOnlyList<string> args, HashSet<string> known, string scenario, out bool progress)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(known);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        progress = true;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--no-progress")
            {
                progress = false;
                continue;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new CommandLineException($"Unexpected argument '{arg}'. Flags start with --; see --help.");
            }

            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            string flag = equals > 0 ? arg[2..equals] : arg[2..];
            string value = equals > 0 ? arg[(equals + 1)..]
                : i + 1 < args.Count ? args[++i]
                : throw new CommandLineException($"--{flag} needs a value.");
            if (!known.Contains(flag))
            {
                throw new CommandLineException($"Unknown flag --{flag} for the {scenario} scenario; see --help.");
            }

            if (!values.TryAdd(flag, value))
            {
                throw new CommandLineException($"--{flag} is given twice.");
            }
        }

        return values;
    }

    /// <summary>Comma-separated http(s) base addresses, each ending in '/'.</summary>
    public static List<Uri> Uris(string text, string flag)
    {
        ArgumentNullException.ThrowIfNull(text);
        var uris = new List<Uri>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new CommandLineException($"--{flag} '{part}': an http:// or https:// address.");
            }

            // Paths are appended to the base, so the base must end in '/' or its last segment would be replaced.
            uris.Add(uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/"));
        }

        return uris.Count > 0 ? uris : throw new CommandLineException($"--{flag}: at least one address.");
    }

    /// <summary>A whole number from 1 to <paramref name="max"/>, or <paramref name="fallback"/> when the flag is absent.</summary>
    public static int Int(Dictionary<string, string> values, string flag, int fallback, int max)
    {
        ArgumentNullException.ThrowIfNull(values);
        return !values.TryGetValue(flag, out string? text) ? fallback
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= 1 && value <= max ? value
            : throw new CommandLineException($"--{flag} '{text}': a whole number from 1 to {max}.");
    }

    /// <summary>A finite number of 0 or more.</summary>
    public static double Number(string text, string flag) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) && value >= 0
            ? value
            : throw new CommandLineException($"--{flag} '{text}': a number of 0 or more.");
}
