namespace FastRouter.LoadTests.Cli;

internal enum CommandLineAction
{
    Run,
    Help,
    ListScenarios,
}
