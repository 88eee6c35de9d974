namespace FastRouter.Telemetry;

/// <summary>How one backend call (a prefill or decode leg) ended; the <c>outcome</c> label of the backend metrics.</summary>
internal enum BackendOutcome
{
    /// <summary>2xx, and for decode the whole answer relayed.</summary>
    Success,

    /// <summary>The pod answered 4xx (the request's fault, relayed to the client).</summary>
    ClientError,

    /// <summary>The pod answered 5xx.</summary>
    ServerError,

    /// <summary>A router timeout fired (prefill total, decode first byte, stream idle).</summary>
    Timeout,

    /// <summary>The pod could not be reached or the connection failed before an answer.</summary>
    ConnectionError,

    /// <summary>The decode stream broke after it began.</summary>
    StreamBroken,

    /// <summary>The client left, so the router cancelled the call.</summary>
    Cancelled,
}
