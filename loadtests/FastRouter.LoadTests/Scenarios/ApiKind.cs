namespace FastRouter.LoadTests.Scenarios;

/// <summary>The OpenAI endpoint a request goes to.</summary>
internal enum ApiKind
{
    /// <summary><c>POST /v1/chat/completions</c> with a <c>messages</c> array.</summary>
    Chat,

    /// <summary><c>POST /v1/completions</c> with a <c>prompt</c> string.</summary>
    Completions,
}
