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
    public static bool Applies(IReadOnlyList<string> args) => ScenarioFlags.Applies(args, ScenarioName);

    public static OverloadOptions Parse(IReadOnlyList<string> args, DateTimeOffset now)
    {
        Dictionary<string, string> values = ScenarioFlags.Read(args, KnownFlags, ScenarioName, out bool progress);

        Uri target = values.TryGetValue("target", out string? targetText)
            ? ScenarioFlags.Uris(targetText, "target") is [Uri only] ? only : throw new CommandLineException("--target: one router address.")
            : throw new CommandLineException("The overload scenario needs --target URL.");
        double capacity = values.TryGetValue("capacity", out string? capacityText)
            ? ScenarioFlags.Number(capacityText, "capacity")
            : throw new CommandLineException("The overload scenario needs --capacity REQUESTS_PER_SECOND (what the fleet serves).");
        if (capacity <= 0)
        {
            throw new CommandLineException("--capacity: a positive number of requests per second.");
        }

        double load = values.TryGetValue("load", out string? loadText) ? ScenarioFlags.Number(loadText, "load") : 2;
        if (load <= 0)
        {
            throw new CommandLineException("--load: a positive multiple of the capacity.");
        }

        double highShare = values.TryGetValue("high-share", out string? highText) ? ScenarioFlags.Number(highText, "high-share") : 0.25;
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
            Pods = values.TryGetValue("pods", out string? podsText) ? ScenarioFlags.Uris(podsText, "pods") : [],
            Capacity = capacity,
            Load = load,
            HeavyFactor = values.TryGetValue("heavy-factor", out string? heavyText) ? ScenarioFlags.Number(heavyText, "heavy-factor") : 10,
            HighShare = highShare,
            QueueTimeout = Duration(values, "queue-timeout", TimeSpan.FromSeconds(2)),
            HangTimeout = Duration(values, "hang-timeout", TimeSpan.FromSeconds(60)),
            MaxTokens = ScenarioFlags.Int(values, "max-tokens", 4, 100_000),
            PromptBytes = values.TryGetValue("prompt-bytes", out string? bytesText)
                ? int.TryParse(bytesText, NumberStyles.None, CultureInfo.InvariantCulture, out int bytes) && bytes >= 64 && bytes <= 1_000_000
                    ? bytes
                    // Below 64 bytes the request's index, which keeps every prompt distinct, might not fit.
                    : throw new CommandLineException($"--prompt-bytes '{bytesText}': a whole number from 64 to 1000000.")
                : 1600,
            Duration = Duration(values, "duration", TimeSpan.FromSeconds(30)),
            Model = values.GetValueOrDefault("model", "llama31-8b"),
            Seed = ScenarioFlags.Int(values, "seed", 1, int.MaxValue),
            Name = name,
            OutputDirectory = values.GetValueOrDefault("out") ?? Path.Combine("loadtests", "results", name),
            Progress = progress,
        };
    }

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
