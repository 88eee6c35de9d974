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

    public static ConversationOptions Parse(IReadOnlyList<string> args, DateTimeOffset now)
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
            string value;
            if (equals > 0)
            {
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                throw new CommandLineException($"--{flag} needs a value.");
            }

            if (!KnownFlags.Contains(flag))
            {
                throw new CommandLineException($"Unknown flag --{flag} for the conversations scenario; see --help.");
            }

            if (!values.TryAdd(flag, value))
            {
                throw new CommandLineException($"--{flag} is given twice.");
            }
        }

        IReadOnlyList<Uri> targets = values.TryGetValue("target", out string? targetText)
            ? Uris(targetText, "target")
            : throw new CommandLineException("The conversations scenario needs --target URL[,URL...].");
        string name = values.GetValueOrDefault("name") ?? $"{ScenarioName}-{now.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
        if (name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            throw new CommandLineException($"--name '{name}': use letters, digits, '-' or '_' (it names a folder).");
        }

        double dominant = values.TryGetValue("dominant-system-prompt", out string? dominantText) ? Number(dominantText, "dominant-system-prompt") : 0;
        if (dominant > 1)
        {
            throw new CommandLineException("--dominant-system-prompt: a share from 0 to 1.");
        }

        double rate = values.TryGetValue("rate", out string? rateText) ? Number(rateText, "rate") : 1;
        if (rate <= 0)
        {
            throw new CommandLineException("--rate: a positive number of conversations per second.");
        }

        return new ConversationOptions
        {
            Targets = targets,
            Pods = values.TryGetValue("pods", out string? podsText) ? Uris(podsText, "pods") : [],
            SystemPrompts = Int(values, "system-prompts", 4, 10_000),
            SystemPromptBytes = Int(values, "system-prompt-bytes", 6144, 1_000_000),
            Rate = rate,
            Turns = Int(values, "turns", 4, 1000),
            UserMessageBytes = Int(values, "user-bytes", 256, 1_000_000),
            MaxTokens = Int(values, "max-tokens", 32, 100_000),
            ThinkTime = Duration(values, "think-time", TimeSpan.FromSeconds(1), allowZero: true),
            DominantSystemPromptShare = dominant,
            Duration = Duration(values, "duration", TimeSpan.FromSeconds(60), allowZero: false),
            Warmup = Duration(values, "warmup", TimeSpan.Zero, allowZero: true),
            DrainTimeout = Duration(values, "drain-timeout", TimeSpan.FromSeconds(60), allowZero: true),
            RequestTimeout = Duration(values, "timeout", TimeSpan.FromSeconds(120), allowZero: false),
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
