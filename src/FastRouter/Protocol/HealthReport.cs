namespace FastRouter.Protocol;

/// <summary>
/// The body of <c>GET /health</c> and <c>GET /readyz</c>: a status (healthy, degraded, unhealthy, draining), the
/// pods per role, and the roles that have none.
/// </summary>
internal sealed record HealthReport(string Status, int PrefillPods, int DecodePods, IReadOnlyList<string> MissingRoles, string? Message);
