namespace FastRouter.LoadTests.Overload;

/// <summary>How one request ended, as the report counts it.</summary>
internal enum OverloadOutcomeKind
{
    /// <summary>200 and a complete stream (content, then <c>[DONE]</c>).</summary>
    Served,

    /// <summary>429: the router's queue (or a client limit) was full.</summary>
    TooManyRequests,

    /// <summary>503: the request's deadline passed in the router's queue, or no pod.</summary>
    Unavailable,

    /// <summary>Any other status, an error event in the stream, a cut stream, a connection error.</summary>
    OtherError,

    /// <summary>No complete answer within the hang timeout: cut by the client.</summary>
    Hanging,
}
