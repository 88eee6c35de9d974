namespace FastRouter.Protocol;

/// <summary>What the prefill engine put in <c>kv_transfer_params.remote_host</c>.</summary>
internal enum RemoteHostState : byte
{
    /// <summary>The member is not there.</summary>
    Absent,

    /// <summary>Null, empty, not a string, a loopback name or address, or a wildcard address: useless to a decode pod elsewhere.</summary>
    Unusable,

    /// <summary>A host name or IP literal another machine can reach.</summary>
    Usable,

    /// <summary>
    /// A string that is neither a host name nor an IP literal: control characters, a port or a path, a name past DNS's
    /// 253 characters. No engine writes one; a decode pod given it would try to pull KV from wherever it points.
    /// </summary>
    Malformed,
}
