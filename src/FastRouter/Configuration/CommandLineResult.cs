namespace FastRouter.Configuration;

/// <summary>
/// What parsing a command line produced: options to run with, or an exit (help, version, or an error) with
/// the text to print and the exit code.
/// </summary>
internal sealed class CommandLineResult
{
    private CommandLineResult(RouterOptions? options, int exitCode, string? output, string? error, IReadOnlyList<string> warnings)
    {
        Options = options;
        ExitCode = exitCode;
        Output = output;
        Error = error;
        Warnings = warnings;
    }

    /// <summary>Options to run with; null when the process should exit instead.</summary>
    public RouterOptions? Options { get; }

    public int ExitCode { get; }

    /// <summary>Text for standard output (help, version).</summary>
    public string? Output { get; }

    /// <summary>Text for standard error (why the command line was refused).</summary>
    public string? Error { get; }

    /// <summary>
    /// Things the host should log at start-up without refusing to run: production-stack flags accepted and ignored,
    /// backends whose label is in neither the prefill nor the decode list. Each starts with <c>fastrouter: warning: </c>.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; }

    public static CommandLineResult Run(RouterOptions options) => new(options, 0, null, null, []);

    public static CommandLineResult Run(RouterOptions options, IReadOnlyList<string> warnings) => new(options, 0, null, null, warnings);

    public static CommandLineResult Exit(string output) => new(null, 0, output, null, []);

    /// <summary>A refused command line: exit code 2, as argparse does.</summary>
    public static CommandLineResult Fail(string error) => new(null, 2, null, error, []);
}
