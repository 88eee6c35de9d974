namespace FastRouter.Protocol;

/// <summary>Why a request body was refused: the message and the offending parameter, for a 400 answer.</summary>
internal readonly record struct RequestRejection(string Message, string? Param);
