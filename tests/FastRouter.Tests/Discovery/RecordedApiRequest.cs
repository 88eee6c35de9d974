namespace FastRouter.Tests.Discovery;

/// <summary>One request the fake API server received.</summary>
internal sealed record RecordedApiRequest(string Path, string RawQuery, string? LabelSelector, string Authorization, bool IsWatch, string ResourceVersion);
