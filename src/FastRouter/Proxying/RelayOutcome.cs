namespace FastRouter.Proxying;

/// <summary>How relaying the decode answer to the client ended.</summary>
internal enum RelayOutcome
{
    /// <summary>Every byte the decode pod sent reached the client.</summary>
    Completed,

    /// <summary>The client went away; the decode call was cancelled.</summary>
    ClientDisconnected,

    /// <summary>The decode pod's answer broke before its first byte; nothing was written, so the flow can be redone.</summary>
    FailedBeforeFirstByte,

    /// <summary>The decode pod's stream broke or fell silent after bytes reached the client; the client was told.</summary>
    UpstreamFailed,
}
