namespace FastRouter.Protocol;

/// <summary>One entry of <c>GET /v1/models</c>.</summary>
internal sealed record ModelCard(string Id, string Object, long Created, string OwnedBy, string? Root);
