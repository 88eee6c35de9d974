using System.Globalization;
using FastRouter.LoadTests.Cli;

namespace FastRouter.LoadTests.Conversations;

/// <summary>
/// The <c>--scenario conversations</c> command line: its own flags (it sends histories, not fixed bodies), parsed
/// with the same strictness as the other scenarios: unknown flags and bad values are refused.
/// </summary>
internal static class ConversationCommandLine
{
    public const string ScenarioName = "conversations";

    private static readonly HashSet<string> KnownFlags =
    [
        "scenario", "target", "pods", "system-prompts", "system-prompt-bytes", "rate", "turns", "user-bytes", "max-tokens",
        "think-time", "dominant-system-prompt", "duration", "warmup", "drain-timeout", "timeout", "model", "seed", "name", "out",
    ];

    /// <summary>True when the arguments ask for this scenario.</summary>
    public static bool Applies(IReadOnlyList<string> args) => ScenarioFlags.Applies(args, ScenarioName);

    public static ConversationOptions Parse(IReadOnlyList<string> args, DateTimeOffset now)
    {
        Dictionary<string, string> values = ScenarioFlags.Read(args, KnownFlags, ScenarioName, out bool progress);

        IReadOnlyList<Uri> targets = values.TryGetValue("target", out string? targetText)
            ? ScenarioFlags.Uris(targetText, "target")
            : throw new CommandLineException("The conversations scenario needs --target URL[,URL...].");
        string name = values.GetValueOrDefault("name") ?? $"{ScenarioName}-{now.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
        if (name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            throw new CommandLineException($"--name '{name}': use letters, digits, '-' or '_' (it names a folder).");
        }

        double dominant = values.TryGetValue("dominant-system-prompt", out string? dominantText) ? ScenarioFlags.Number(dominantText, "dominant-system-prompt") : 0;
        if (dominant > 1)
        {
            throw new CommandLineException("--dominant-system-prompt: a share from 0 to 1.");
        }

        double rate = values.TryGetValue("rate", out string? rateText) ? ScenarioFlags.Number(rateText, "rate") : 1;
        if (rate <= 0)
        {
            throw new CommandLineException("--rate: a positive number of conversations per second.");
        }

        return new ConversationOptions
        {
            Targets = targets,
            Pods = values.TryGetValue("pods", out string? podsText) ? ScenarioFlags.Uris(podsText, "pods") : [],
            SystemPrompts = ScenarioFlags.Int(values, "system-prompts", 4, 10_000),
            SystemPromptBytes = ScenarioFlags.Int(values, "system-prompt-bytes", 6144, 1_000_000),
            Rate = rate,
            Turns = ScenarioFlags.Int(values, "turns", 4, 1000),
            UserMessageBytes = ScenarioFlags.Int(values, "user-bytes", 256, 1_000_000),
            MaxTokens = ScenarioFlags.Int(values, "max-tokens", 32, 100_000),
            ThinkTime = Duration(values, "think-time", TimeSpan.FromSeconds(1), allowZero: true),
            DominantSystemPromptShare = dominant,
            Duration = Duration(values, "duration", TimeSpan.FromSeconds(60), allowZero: false),
            Warmup = Duration(values, "warmup", TimeSpan.Zero, allowZero: true),
            DrainTimeout = Duration(values, "drain-timeout", TimeSpan.FromSeconds(60), allowZero: true),
            RequestTimeout = Duration(values, "timeout", TimeSpan.FromSeconds(120), allowZero: false),
            Model = values.GetValueOrDefault("model", "llama31-8b"),
            Seed = ScenarioFlags.Int(values, "seed", 1, int.MaxValue),
            Name = name,
            OutputDirectory = values.GetValueOrDefault("out") ?? Path.Combine("loadtests", "results", name),
            Progress = progress,
        };
    }

    private static TimeSpan Duration(Dictionary<string, string> values, string flag, TimeSpan fallback, bool allowZero)
    {
        if (!values.TryGetValue(flag, out string? text))
        {
            return fallback;
        }

        if (allowZero && text is "0")
        {
            return TimeSpan.Zero;
        }

        return DurationParser.TryParse(text, out TimeSpan duration) && (allowZero || duration > TimeSpan.Zero)
            ? duration
            : throw new CommandLineException($"--{flag} '{text}': a duration such as 500ms, 30s, 2m.");
    }
}
