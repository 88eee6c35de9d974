namespace FastRouter.Protocol;

/// <summary>The top-level request fields the router reads or edits; everything else is <see cref="Other"/>.</summary>
internal enum RequestField : byte
{
    Other,
    Model,
    Stream,
    StreamOptions,
    MaxTokens,
    MaxCompletionTokens,
    MinTokens,
    MinCompletionTokens,
    N,
    KvTransferParams,
}
