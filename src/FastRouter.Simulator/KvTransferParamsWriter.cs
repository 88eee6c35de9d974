using System.Text.Json;

namespace FastRouter.Simulation;

/// <summary>Writes the <c>kv_transfer_params</c> a prefill answer carries, in each shape vLLM has used (protocol.md §2).</summary>
internal static class KvTransferParamsWriter
{
    /// <summary>Writes the property's value: the object, or null when there is no lease.</summary>
    public static void WriteValue(Utf8JsonWriter writer, KvAdvertisement advertisement, KvLease? lease)
    {
        if (lease is null || advertisement.Shape == KvParamsShape.Null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartObject();
        writer.WriteBoolean("do_remote_prefill"u8, true);
        writer.WriteBoolean("do_remote_decode"u8, false);
        writer.WriteStartArray("remote_block_ids"u8);
        if (advertisement.Shape != KvParamsShape.Legacy)
        {
            // One list per KV cache group; the simulator has one group.
            writer.WriteStartArray();
        }

        foreach (int blockId in lease.BlockIds)
        {
            writer.WriteNumberValue(blockId);
        }

        if (advertisement.Shape != KvParamsShape.Legacy)
        {
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
        writer.WriteString("remote_engine_id"u8, advertisement.EngineId);
        writer.WriteString("remote_host"u8, advertisement.Host);
        writer.WriteNumber("remote_port"u8, advertisement.Port);
        writer.WriteNumber("tp_size"u8, 1);
        if (advertisement.Shape != KvParamsShape.Legacy)
        {
            writer.WriteString("remote_request_id"u8, lease.RemoteRequestId);
        }

        if (advertisement.Shape == KvParamsShape.Newest)
        {
            writer.WriteNumber("dcp_size"u8, 1);
            writer.WriteNumber("pp_size"u8, 1);
            writer.WriteNumber("remote_num_tokens"u8, lease.PromptTokens);
            writer.WriteNumber("remote_blocks_expiry_time"u8, lease.ExpiresAt.ToUnixTimeMilliseconds() / 1000.0);
            writer.WriteString("transfer_mode"u8, "pull"u8);
        }

        writer.WriteEndObject();
    }
}
