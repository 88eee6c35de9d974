namespace FastRouter.Protocol;

/// <summary>Where the top-level <c>kv_transfer_params</c> object sits in a prefill answer.</summary>
internal struct KvTransferParamsLocation
{
    /// <summary>True when the answer holds a <c>kv_transfer_params</c> object (not null, not absent).</summary>
    public bool Found;

    /// <summary>Offset of the object's opening brace.</summary>
    public int ObjectStart;

    /// <summary>Offset of the object's closing brace.</summary>
    public int ObjectClose;

    /// <summary>How many members the object has.</summary>
    public int MemberCount;

    public RemoteHostState RemoteHost;

    /// <summary>Offsets of the <c>remote_host</c> value when present.</summary>
    public int RemoteHostValueStart;

    public int RemoteHostValueEnd;
}
