namespace FastRouter.Configuration;

/// <summary>Parses the router's command line (production-stack's flag names). Placeholder until the parser lands.</summary>
internal static class RouterCommandLine
{
    public static CommandLineResult Parse(IReadOnlyList<string> args, Func<string, string?> getEnvironmentVariable)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(getEnvironmentVariable);
        return CommandLineResult.Run(new RouterOptions());
    }
}
