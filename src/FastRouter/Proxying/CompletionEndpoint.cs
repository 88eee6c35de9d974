namespace FastRouter.Proxying;

/// <summary>The two OpenAI endpoints the router orchestrates.</summary>
internal enum CompletionEndpoint
{
    ChatCompletions,
    Completions,
}
