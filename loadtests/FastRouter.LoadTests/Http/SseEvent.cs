namespace FastRouter.LoadTests.Http;

/// <summary>
/// What the generator needs from one SSE data line, and nothing more.
/// </summary>
/// <param name="Kind">Chunk, [DONE] or error.</param>
/// <param name="HasToken">The chunk carries a non-empty content (chat) or text (completions) delta: a token arrived.</param>
/// <param name="CompletionTokens">usage.completion_tokens when the chunk carries usage, else -1.</param>
internal readonly record struct SseEvent(SseEventKind Kind, bool HasToken, int CompletionTokens);
