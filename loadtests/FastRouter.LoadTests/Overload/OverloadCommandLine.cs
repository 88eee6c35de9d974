using System.Globalization;
using FastRouter.LoadTests.Cli;

namespace FastRouter.LoadTests.Overload;

/// <summary>
/// The <c>--scenario overload</c> command line: its own flags (two clients, bands, deadlines), parsed with the same
/// strictness as the other scenarios: unknown flags and bad values are refused.
/// </summary>
internal static class OverloadCommandLine
{
    public const string ScenarioName = "overload";

    private static readonly HashSet<string> KnownFlags =
    [
        "scenario", "target", "pods", "capacity", "load", "heavy-factor", "high-share", "queue-timeout", "hang-timeout",
        "max-tokens", "prompt-bytes", "duration", "model", "seed", "name", "out",
    ];

    /// <summary>True when the arguments ask for this scenario.</summary>
    public static bool Applies(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] == "--scenario=" + ScenarioName || (args[i] == "--scenario" && i + 1 < args.Count && args[i + 1] == ScenarioName))
            {
                return true;
            }
        }

        return false;
    }

    public static OverloadOptions Parse(IReadOnlyList<string> args, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(args);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        bool progress = true;
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
            if (!KnownFlags.Contains(flag))
            {
                throw new CommandLineException($"Unknown flag --{flag} for the overload scenario; see --help.");
            }

            if (!values.TryAdd(flag, value))
            {
                throw new CommandLineException($"--{flag} is given twice.");
            }
        }

        Uri target = values.TryGetValue("target", out string? targetText)
            ? Uris(targetText, "target") is [Uri only] ? only : throw new CommandLineException("--target: one router address.")
            : throw new CommandLineException("The overload scenario needs --target URL.");
        double capacity = values.TryGetValue("capacity", out string? capacityText)
            ? Number(capacityText, "capacity")
            : throw new CommandLineException("The overload scenario needs --capacity REQUESTS_PER_SECOND (what the fleet serves).");
        if (capacity <= 0)
        {
            throw new CommandLineException("--capacity: a positive number of requests per second.");
        }

        double load = values.TryGetValue("load", out string? loadText) ? Number(loadText, "load") : 2;
        if (load <= 0)
        {
            throw new CommandLineException("--load: a positive multiple of the capacity.");
        }

        double highShare = values.TryGetValue("high-share", out string? highText) ? Number(highText, "high-share") : 0.25;
        if (highShare > 1)
        {
            throw new CommandLineException("--high-share: a share from 0 to 1.");
        }

        string name = values.GetValueOrDefault("name") ?? $"{ScenarioName}-{now.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
        if (name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            throw new CommandLineException($"--name '{name}': use letters, digits, '-' or '_' (it names a folder).");
        }

        return new OverloadOptions
        {
            Target = target,
            Pods = values.TryGetValue("pods", out string? podsText) ? Uris(podsText, "pods") : [],
            Capacity = capacity,
            Load = load,
            HeavyFactor = values.TryGetValue("heavy-factor", out string? heavyText) ? Number(heavyText, "heavy-factor") : 10,
            HighShare = highShare,
            QueueTimeout = Duration(values, "queue-timeout", TimeSpan.FromSeconds(2)),
            HangTimeout = Duration(values, "hang-timeout", TimeSpan.FromSeconds(60)),
            MaxTokens = Int(values, "max-tokens", 4, 100_000),
            PromptBytes = values.TryGetValue("prompt-bytes", out string? bytesText)
                ? int.TryParse(bytesText, NumberStyles.None, CultureInfo.InvariantCulture, out int bytes) && bytes >= 64 && bytes <= 1_000_000
                    ? bytes
                    // Below 64 bytes the request's index, which keeps every prompt distinct, might not fit.
                    : throw new CommandLineException($"--prompt-bytes '{bytesText}': a whole number from 64 to 1000000.")
                : 1600,
            Duration = Duration(values, "duration", TimeSpan.FromSeconds(30)),
            Model = values.GetValueOrDefault("model", "llama31-8b"),
            Seed = Int(values, "seed", 1, int.MaxValue),
            Name = name,
            OutputDirectory = values.GetValueOrDefault("out") ?? Path.Combine("loadtests", "results", name),
            Progress = progress,
        };
    }

    private static List<Uri> Uris(string text, string flag)
    {
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

    private static int Int(Dictionary<string, string> values, string flag, int fallback, int max) =>
        !values.TryGetValue(flag, out string? text) ? fallback
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= 1 && value <= max ? value
        : throw new CommandLineException($"--{flag} '{text}': a whole number from 1 to {max}.");

    private static double Number(string text, string flag) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) && value >= 0
            ? value
            : throw new CommandLineException($"--{flag} '{text}': a number of 0 or more.");

    /// <summary>A duration such as 500ms, 2s, 1m; a bare number is seconds (as the router's header takes them).</summary>
    private static TimeSpan Duration(Dictionary<string, string> values, string flag, TimeSpan fallback)
    {
        if (!values.TryGetValue(flag, out string? text))
        {
            return fallback;
        }

        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds) && double.IsFinite(seconds) && seconds > 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return DurationParser.TryParse(text, out TimeSpan duration) && duration > TimeSpan.Zero
            ? duration
            : throw new CommandLineException($"--{flag} '{text}': a duration such as 500ms, 2s, 1m.");
    }
}
