namespace FastRouter.LoadTests.Http;

internal enum SseEventKind
{
    /// <summary>A <c>data:</c> line with a JSON chunk.</summary>
    Chunk,

    /// <summary><c>data: [DONE]</c>, the clean end of an OpenAI stream.</summary>
    Done,

    /// <summary><c>data: {"error":…}</c>.</summary>
    Error,
}
