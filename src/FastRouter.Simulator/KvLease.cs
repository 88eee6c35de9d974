namespace FastRouter.Simulation;

/// <summary>KV blocks a prefill simulator holds for one request until decode pulls them, releases them, or the lease ends.</summary>
internal sealed record KvLease(
    string RemoteRequestId,
    int[] BlockIds,
    int PromptTokens,
    DateTimeOffset ExpiresAt);
