namespace FastRouter.Protocol;

/// <summary>
/// The fixed bytes the router writes into outgoing bodies. Arrays rather than u8 spans because
/// <see cref="BodySegments"/> holds memory that outlives the call that adds it.
/// </summary>
internal static class JsonLiterals
{
    public static readonly byte[] OpenBrace = "{"u8.ToArray();
    public static readonly byte[] CloseBrace = "}"u8.ToArray();
    public static readonly byte[] Comma = ","u8.ToArray();
    public static readonly byte[] One = "1"u8.ToArray();
    public static readonly byte[] False = "false"u8.ToArray();
    public static readonly byte[] True = "true"u8.ToArray();
    public static readonly byte[] StreamTrueMember = "\"stream\":true"u8.ToArray();
    public static readonly byte[] MaxTokensOneMember = "\"max_tokens\":1"u8.ToArray();
    public static readonly byte[] KvTransferParamsName = "\"kv_transfer_params\":"u8.ToArray();
    public static readonly byte[] RemoteHostName = "\"remote_host\":"u8.ToArray();

    /// <summary>What every proxy sends prefill (protocol.md §1): only do_remote_decode matters.</summary>
    public static readonly byte[] PrefillKvTransferParamsMember =
        "\"kv_transfer_params\":{\"do_remote_decode\":true,\"do_remote_prefill\":false,\"remote_engine_id\":null,\"remote_block_ids\":null,\"remote_host\":null,\"remote_port\":null}"u8.ToArray();
}
