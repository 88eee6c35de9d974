namespace FastRouter.Simulation;

/// <summary>The counters <see cref="SimulatorStats"/> keeps; values index its array, so keep them dense.</summary>
internal enum SimulatorCounter
{
    ChatCompletionRequests,
    TextCompletionRequests,
    HealthRequests,
    ModelsRequests,
    MetricsRequests,
    OtherRequests,
    NotFoundRequests,
    CompletionsServed,
    PrefillsWithKv,
    PrefillsWithoutKv,
    DecodesWithKv,
    DecodesRecomputed,
    KvPullsSucceeded,
    KvPullsFailed,
    KvReleasesSent,
    LeasesGranted,
    LeasesPulled,
    LeasesReleased,
    LeasesExpired,
    SideChannelRejected,
    SseEventsSent,
    ErrorsReturned,
    ClientAborts,
    FaultsInjected,
    PromptTokens,
    GenerationTokens,
    PromptTokensComputed,
    PromptTokensCached,
    PromptTokensPulled,
    PrefixCacheQueries,
    PrefillBatches,

    /// <summary>Tokens of running streams held back by a decode pod's local prefill (chunked prefill's stall).</summary>
    TokensStalled,
}
