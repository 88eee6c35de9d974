namespace FastRouter.Protocol;

/// <summary>The body of <c>GET /version</c>.</summary>
internal sealed record VersionInfo(string Version);
