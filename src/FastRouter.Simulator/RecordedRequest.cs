namespace FastRouter.Simulation;

/// <summary>One request as the simulator received it, so tests can check exactly what a router sent.</summary>
internal sealed record RecordedRequest(
    string Method,
    string Path,
    string? RequestId,
    string? Authorization,
    string? ContentType,
    string? TraceParent,
    byte[] Body,
    IReadOnlyList<string> HeaderNames);
