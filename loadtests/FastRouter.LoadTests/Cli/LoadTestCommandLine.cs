using System.Globalization;
using FastRouter.LoadTests.Scenarios;

namespace FastRouter.LoadTests.Cli;

/// <summary>
/// Parses <c>--flag value</c> and <c>--flag=value</c>. Unknown flags and bad values are refused with a message
/// rather than ignored: a load test that silently ran something else would report misleading numbers.
/// </summary>
internal static class LoadTestCommandLine
{
    public static ParsedCommandLine Parse(IReadOnlyList<string> args, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(args);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        bool progress = true;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--help" or "-h" or "-?":
                    return new ParsedCommandLine(CommandLineAction.Help, null);
                case "--list-scenarios":
                    return new ParsedCommandLine(CommandLineAction.ListScenarios, null);
                case "--no-progress":
                    progress = false;
                    continue;
                default:
                    break;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new CommandLineException($"Unexpected argument '{arg}'. Flags start with --; see --help.");
            }

            string name;
            string value;
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                name = arg[2..equals];
                value = arg[(equals + 1)..];
            }
            else
            {
                name = arg[2..];
                if (i + 1 >= args.Count)
                {
                    throw new CommandLineException($"--{name} needs a value.");
                }

                value = args[++i];
            }

            if (!KnownFlags.Contains(name))
            {
                throw new CommandLineException($"Unknown flag --{name}; see --help.");
            }

            if (!values.TryAdd(name, value))
            {
                throw new CommandLineException($"--{name} is given twice.");
            }
        }

        return new ParsedCommandLine(CommandLineAction.Run, BuildOptions(values, progress, now));
    }

    private static readonly HashSet<string> KnownFlags =
    [
        "target", "direct-prefill", "direct-decode", "scenario", "prompt-tokens", "max-tokens", "model", "concurrency",
        "rate", "duration", "warmup", "drain-timeout", "timeout", "seed", "name", "out", "probe", "probe-interval",
        "probe-timeout",
    ];

    private static LoadTestOptions BuildOptions(Dictionary<string, string> values, bool progress, DateTimeOffset now)
    {
        Uri? target = OptionalUri(values, "target");
        Uri? prefill = OptionalUri(values, "direct-prefill");
        Uri? decode = OptionalUri(values, "direct-decode");
        if ((prefill is null) != (decode is null))
        {
            throw new CommandLineException("Direct mode needs both --direct-prefill and --direct-decode.");
        }

        if (target is null == prefill is null)
        {
            throw new CommandLineException("Give either --target URL or --direct-prefill URL --direct-decode URL.");
        }

        string scenarioName = values.GetValueOrDefault("scenario", "chat-stream");
        Scenario scenario = ScenarioCatalog.Find(scenarioName)
            ?? throw new CommandLineException($"Unknown scenario '{scenarioName}'. Known: {string.Join(", ", ScenarioCatalog.All.Select(s => s.Name))}.");

        double? rate = null;
        if (values.TryGetValue("rate", out string? rateText))
        {
            if (!double.TryParse(rateText, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) || !double.IsFinite(parsed) || parsed <= 0)
            {
                throw new CommandLineException($"--rate '{rateText}': a positive number of requests per second.");
            }

            rate = parsed;
        }

        int concurrency = values.TryGetValue("concurrency", out string? concurrencyText)
            ? PositiveInt(concurrencyText, "concurrency", max: 100_000)
            : rate is null ? LoadTestOptions.DefaultClosedLoopConcurrency : LoadTestOptions.DefaultOpenLoopMaxInFlight;

        string? probe = values.GetValueOrDefault("probe");
        if (probe is not null && (probe.Length == 0 || probe[0] != '/' || target is null))
        {
            throw new CommandLineException($"--probe '{probe}': a path starting with '/', with --target (not direct mode).");
        }

        string name = values.GetValueOrDefault("name") ?? $"{(probe is null ? scenario.Name : "probe")}-{now.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
        if (name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Contains('/', StringComparison.Ordinal))
        {
            throw new CommandLineException($"--name '{name}': use letters, digits, '-' or '_' (it names a folder).");
        }

        var options = new LoadTestOptions
        {
            Target = target,
            DirectPrefill = prefill,
            DirectDecode = decode,
            Scenario = scenario,
            Rate = rate,
            Concurrency = concurrency,
            Duration = Duration(values, "duration", TimeSpan.FromSeconds(30)),
            Warmup = Duration(values, "warmup", TimeSpan.FromSeconds(5)),
            DrainTimeout = Duration(values, "drain-timeout", TimeSpan.FromSeconds(30)),
            RequestTimeout = Duration(values, "timeout", TimeSpan.FromSeconds(120)),
            PromptTokens = Distribution(values, "prompt-tokens", 128),
            MaxTokens = Distribution(values, "max-tokens", 64),
            Model = values.GetValueOrDefault("model", "llama31-8b"),
            Seed = values.TryGetValue("seed", out string? seed) ? PositiveInt(seed, "seed", int.MaxValue) : 1,
            Name = name,
            OutputDirectory = values.GetValueOrDefault("out") ?? Path.Combine("loadtests", "results", name),
            Progress = progress,
            ProbePath = probe,
            ProbeInterval = Duration(values, "probe-interval", TimeSpan.FromMilliseconds(100)),
            ProbeTimeout = Duration(values, "probe-timeout", TimeSpan.FromSeconds(1)),
        };
        if (options.ProbeInterval <= TimeSpan.Zero || options.ProbeTimeout <= TimeSpan.Zero)
        {
            throw new CommandLineException("--probe-interval and --probe-timeout must be more than zero.");
        }

        if (options.Duration <= TimeSpan.Zero)
        {
            throw new CommandLineException("--duration must be more than zero.");
        }

        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            throw new CommandLineException("--timeout must be more than zero.");
        }

        if (options.Model.Length == 0)
        {
            throw new CommandLineException("--model must not be empty.");
        }

        return options;
    }

    private static Uri? OptionalUri(Dictionary<string, string> values, string flag)
    {
        if (!values.TryGetValue(flag, out string? text))
        {
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new CommandLineException($"--{flag} '{text}': an http:// or https:// address.");
        }

        // Paths are appended to the base, so the base must end in '/' or its last segment would be replaced.
        return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }

    private static int PositiveInt(string text, string flag, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= 1 && value <= max
            ? value
            : throw new CommandLineException($"--{flag} '{text}': a whole number from 1 to {max}.");

    private static TimeSpan Duration(Dictionary<string, string> values, string flag, TimeSpan fallback)
    {
        if (!values.TryGetValue(flag, out string? text))
        {
            return fallback;
        }

        return DurationParser.TryParse(text, out TimeSpan duration)
            ? duration
            : throw new CommandLineException($"--{flag} '{text}': a duration such as 500ms, 30s, 2m (at most a day).");
    }

    private static LengthDistribution Distribution(Dictionary<string, string> values, string flag, int fallback)
    {
        if (!values.TryGetValue(flag, out string? text))
        {
            return LengthDistribution.Fixed(fallback);
        }

        return LengthDistribution.TryParse(text, out LengthDistribution? distribution, out string? error)
            ? distribution!
            : throw new CommandLineException($"--{flag} {error}");
    }
}
