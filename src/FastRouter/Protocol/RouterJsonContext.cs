using System.Text.Json;
using System.Text.Json.Serialization;

namespace FastRouter.Protocol;

/// <summary>
/// Source-generated serializers for every JSON document the router itself writes or reads outside the hot
/// path. Reflection-based serialization is disabled in the AOT build.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(OpenAiErrorEnvelope))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(HealthReport))]
[JsonSerializable(typeof(VersionInfo))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class RouterJsonContext : JsonSerializerContext;
