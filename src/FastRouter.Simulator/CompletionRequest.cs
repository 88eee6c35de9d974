namespace FastRouter.Simulation;

/// <summary>The fields of a completion request the simulator acts on, validated like vLLM does.</summary>
internal sealed class CompletionRequest
{
    public required CompletionKind Kind { get; init; }

    /// <summary>The id vLLM builds: <c>chatcmpl-</c>/<c>cmpl-</c> + the X-Request-Id header or a random id.</summary>
    public required string ResponseId { get; init; }

    public required bool Stream { get; init; }

    public required bool IncludeUsage { get; init; }

    /// <summary>Usage on every chunk; vLLM only honours it together with include_usage.</summary>
    public required bool ContinuousUsage { get; init; }

    public required int MaxTokens { get; init; }

    public required int PromptTokens { get; init; }

    public required KvTransferIntent KvIntent { get; init; }

    /// <summary>Set when <see cref="KvIntent"/> is <see cref="KvTransferIntent.RemotePrefill"/>.</summary>
    public RemoteKvParams? RemoteKv { get; init; }

    /// <summary>The prompt as the engine model renders it (chat template); null when the engine model is off.</summary>
    public byte[]? Rendered { get; init; }
}
