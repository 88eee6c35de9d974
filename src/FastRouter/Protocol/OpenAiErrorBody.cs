namespace FastRouter.Protocol;

/// <summary>The inner object of an OpenAI-shaped error: <c>{"message","type","param","code"}</c>.</summary>
internal sealed record OpenAiErrorBody(string Message, string Type, string? Param, int Code);
