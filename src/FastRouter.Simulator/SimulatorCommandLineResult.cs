namespace FastRouter.Simulation;

/// <summary>What parsing <c>fastrouter sim ...</c> produced: options to run, or text to print and an exit code.</summary>
internal sealed class SimulatorCommandLineResult
{
    private SimulatorCommandLineResult(SimulatorOptions? options, int exitCode, string? output, string? error)
    {
        Options = options;
        ExitCode = exitCode;
        Output = output;
        Error = error;
    }

    public SimulatorOptions? Options { get; }

    public int ExitCode { get; }

    public string? Output { get; }

    public string? Error { get; }

    public static SimulatorCommandLineResult Run(SimulatorOptions options) => new(options, 0, null, null);

    public static SimulatorCommandLineResult Help(string text) => new(null, 0, text, null);

    /// <summary>A refused command line: exit code 2, like the router's own parser.</summary>
    public static SimulatorCommandLineResult Fail(string error) => new(null, 2, null, error);
}
