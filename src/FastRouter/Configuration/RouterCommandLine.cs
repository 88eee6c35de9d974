using System.Reflection;

namespace FastRouter.Configuration;

/// <summary>
/// Parses the router's command line with production-stack's flag names and argparse's syntax
/// (<c>--flag value</c>, <c>--flag=value</c>, switches), then validates it into <see cref="RouterOptions"/>.
/// </summary>
/// <remarks>
/// Deliberate differences from argparse, all in the direction of refusing ambiguity at start-up:
/// a flag given twice is an error (argparse silently keeps the last); flag names must be spelled in full
/// (argparse accepts unique prefixes such as <c>--rout</c>); production-stack flags FastRouter lacks get their
/// own message instead of "unrecognized arguments".
/// </remarks>
internal static class RouterCommandLine
{
    private const string ErrorPrefix = "fastrouter: error: ";

    public static CommandLineResult Parse(IReadOnlyList<string> args, Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);

        // Like argparse's help and version actions, these win over everything else on the line, so
        // "fastrouter <broken args> --help" still shows the help.
        foreach (string arg in args)
        {
            if (arg is FlagNames.Help or FlagNames.HelpShort)
            {
                return CommandLineResult.Exit(RouterHelpText.Build());
            }
        }

        foreach (string arg in args)
        {
            if (arg == FlagNames.Version)
            {
                return CommandLineResult.Exit("fastrouter " + GetVersion() + "\n");
            }
        }

        try
        {
            Dictionary<string, string> values = Tokenize(args);
            var warnings = new List<string>();
            RouterOptions options = RouterOptionsFactory.Create(values, getEnvironmentVariable, warnings);
            return CommandLineResult.Run(options, warnings);
        }
        catch (CommandLineException e)
        {
            return CommandLineResult.Fail(ErrorPrefix + e.Message);
        }
    }

    /// <summary>The product version without the "+commit" build metadata the SDK appends.</summary>
    /// <summary>The product version (informational version without the commit suffix), read once.</summary>
    public static string GetVersion() => CachedVersion;

    private static readonly string CachedVersion = ReadVersion();

    private static string ReadVersion()
    {
        // Reading an attribute of our own assembly is AOT-safe: attributes are kept by the trimmer.
        string? version = typeof(RouterCommandLine).Assembly
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(version))
        {
            return "0.0.0";
        }

        int plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus >= 0 ? version[..plus] : version;
    }

    /// <summary>Splits the arguments into flag name to value; switches get "true".</summary>
    private static Dictionary<string, string> Tokenize(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var unrecognized = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                // Positional arguments, single-dash options and "--": FastRouter has none of those.
                unrecognized.Add(arg);
                continue;
            }

            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            string name = equals >= 0 ? arg[..equals] : arg;
            string? inlineValue = equals >= 0 ? arg[(equals + 1)..] : null;

            if (UnsupportedProductionStackFlags.Contains(name))
            {
                throw new CommandLineException($"{name} is a production-stack flag that FastRouter does not implement (it only serves {RoutingLogicNames.DisaggregatedPrefillOrchestrated})");
            }

            CommandLineFlag? flag = RouterFlags.Find(name);
            if (flag is null)
            {
                // As in argparse, a value that follows an unknown flag ends up in the list too.
                unrecognized.Add(arg);
                continue;
            }

            string value;
            if (flag.IsSwitch)
            {
                if (inlineValue is not null)
                {
                    throw new CommandLineException($"argument {name}: ignored explicit argument '{inlineValue}' ({name} takes no value)");
                }

                value = "true";
            }
            else if (inlineValue is not null)
            {
                value = inlineValue;
            }
            else if (i + 1 < args.Count && !LooksLikeFlag(args[i + 1]))
            {
                value = args[++i];
            }
            else
            {
                throw new CommandLineException($"argument {name}: expected one argument");
            }

            if (values.TryGetValue(name, out string? previous) && flag.Repeatable)
            {
                // Repeatable flags (--api-key) keep every value; a newline cannot occur in any of them.
                values[name] = previous + "\n" + value;
                continue;
            }

            if (previous is not null)
            {
                throw new CommandLineException($"argument {name}: given more than once ('{previous}', then '{value}'); FastRouter refuses repeated flags instead of keeping the last");
            }

            values.Add(name, value);
        }

        if (unrecognized.Count > 0)
        {
            throw new CommandLineException("unrecognized arguments: " + string.Join(" ", unrecognized));
        }

        return values;
    }

    /// <summary>
    /// argparse's rule: a following argument that starts with '-' is the next flag, not this flag's value, unless it
    /// looks like a negative number ("--port -1" then fails as a bad port, not as a missing value).
    /// </summary>
    private static bool LooksLikeFlag(string arg) =>
        arg.Length > 1 && arg[0] == '-' && !(char.IsAsciiDigit(arg[1]) || arg[1] == '.');
}
