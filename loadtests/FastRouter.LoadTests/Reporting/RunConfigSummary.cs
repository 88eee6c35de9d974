namespace FastRouter.LoadTests.Reporting;

/// <summary>The options of the run, as summary.json records them so a result can be reproduced.</summary>
internal sealed record RunConfigSummary(
    string Mode,
    string? Target,
    string? DirectPrefill,
    string? DirectDecode,
    string Scenario,
    IReadOnlyList<string> RequestShapes,
    int Concurrency,
    double? Rate,
    double DurationSeconds,
    double WarmupSeconds,
    double DrainTimeoutSeconds,
    double RequestTimeoutSeconds,
    string PromptTokens,
    string MaxTokens,
    string Model,
    int Seed,
    string CommandLine);
