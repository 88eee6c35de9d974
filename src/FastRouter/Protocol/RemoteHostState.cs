namespace FastRouter.Protocol;

/// <summary>What the prefill engine put in <c>kv_transfer_params.remote_host</c>.</summary>
internal enum RemoteHostState : byte
{
    /// <summary>The member is not there.</summary>
    Absent,

    /// <summary>Null, empty, not a string, a loopback name or address, or a wildcard address: useless to a decode pod elsewhere.</summary>
    Unusable,

    /// <summary>A host another machine can reach.</summary>
    Usable,
}
