namespace FastRouter.Protocol;

/// <summary><c>{"error":{…}}</c>, the shape vLLM and OpenAI use for every error.</summary>
internal sealed record OpenAiErrorEnvelope(OpenAiErrorBody Error);
