namespace FastRouter.LoadTests.Cli;

/// <summary>What the command line asks for: a run (with its options), the help, or the scenario list.</summary>
internal sealed record ParsedCommandLine(CommandLineAction Action, LoadTestOptions? Options);
