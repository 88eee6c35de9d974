using System.Text.Json.Serialization;

namespace FastRouter.LoadTests.Reporting;

/// <summary>Source-generated serialisation of summary.json: no reflection, so the generator stays trim-friendly.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(RunSummary))]
[JsonSerializable(typeof(ProbeSummary))]
internal sealed partial class SummaryJsonContext : JsonSerializerContext
{
}
