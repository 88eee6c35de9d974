namespace FastRouter.Discovery.Kubernetes;

/// <summary>One decoded watch event.</summary>
/// <param name="Type">What happened.</param>
/// <param name="Pod">The pod, for ADDED, MODIFIED and DELETED.</param>
/// <param name="ResourceVersion">The object's resourceVersion: where a resumed watch starts.</param>
/// <param name="ErrorCode">For ERROR: the Status code (410 when expired).</param>
/// <param name="ErrorMessage">For ERROR: the Status message.</param>
internal sealed record WatchEvent(WatchEventType Type, PodInfo? Pod, string? ResourceVersion, int ErrorCode, string? ErrorMessage);
