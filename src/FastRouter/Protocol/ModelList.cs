namespace FastRouter.Protocol;

/// <summary>The OpenAI list answered by <c>GET /v1/models</c>.</summary>
internal sealed record ModelList(string Object, IReadOnlyList<ModelCard> Data);
