namespace FastRouter.Protocol;

/// <summary>The body of <c>GET /health</c>: 200 when both roles have a pod, 503 naming what is missing.</summary>
internal sealed record HealthReport(string Status, int PrefillPods, int DecodePods, IReadOnlyList<string> MissingRoles, string? Message);
