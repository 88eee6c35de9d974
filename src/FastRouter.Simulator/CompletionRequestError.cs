namespace FastRouter.Simulation;

/// <summary>Why a request was refused, in the terms of vLLM's error body.</summary>
internal sealed record CompletionRequestError(int StatusCode, string Type, string Message);
