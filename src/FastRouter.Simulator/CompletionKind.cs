namespace FastRouter.Simulation;

/// <summary>The two OpenAI generation endpoints; they differ in request fields and response shapes.</summary>
internal enum CompletionKind
{
    /// <summary><c>POST /v1/chat/completions</c>: <c>messages</c> in, <c>message</c>/<c>delta</c> out.</summary>
    Chat,

    /// <summary><c>POST /v1/completions</c>: <c>prompt</c> in, <c>text</c> out.</summary>
    Text,
}
