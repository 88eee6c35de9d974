using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace FastRouter.Simulation;

/// <summary>
/// The prefill simulator's stand-in for the NIXL side channel, as plain HTTP on its own port:
/// <c>POST /kv/pull</c> transfers (frees) the blocks named by a decode engine, <c>POST /kv/release</c> frees
/// them without a transfer. Both answer 404 when no live lease holds exactly those blocks, which is how a
/// router that loses, duplicates or mis-addresses <c>kv_transfer_params</c> becomes visible.
/// Body: <c>{"remote_engine_id":…,"remote_block_ids":[…] or [[…]],"remote_request_id":…,"request_id":…}</c>.
/// </summary>
internal sealed class KvSideChannelServer
{
    private readonly KvLeaseTable _leases;
    private readonly string _engineId;
    private readonly SimulatorStats _stats;

    public KvSideChannelServer(KvLeaseTable leases, string engineId, SimulatorStats stats)
    {
        _leases = leases;
        _engineId = engineId;
        _stats = stats;
    }

    public async Task HandleAsync(HttpContext context)
    {
        CancellationToken cancellationToken = context.RequestAborted;
        string path = context.Request.Path.Value ?? string.Empty;
        KvLeaseOutcome outcome;
        switch (path)
        {
            case "/kv/pull":
                outcome = KvLeaseOutcome.Pulled;
                break;
            case "/kv/release":
                outcome = KvLeaseOutcome.Released;
                break;
            case "/health":
                context.Response.StatusCode = StatusCodes.Status200OK;
                return;
            default:
                await HttpResponses.WriteErrorAsync(context, 404, "NotFoundError", "Not Found", cancellationToken).ConfigureAwait(false);
                return;
        }

        if (!HttpMethods.IsPost(context.Request.Method))
        {
            await HttpResponses.WriteErrorAsync(context, 405, "MethodNotAllowed", "Method Not Allowed", cancellationToken).ConfigureAwait(false);
            return;
        }

        int[]? blockIds;
        string? engineId;
        try
        {
            (blockIds, engineId) = await ReadRequestAsync(context.Request.BodyReader, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            blockIds = null;
            engineId = null;
        }

        if (blockIds is null)
        {
            await HttpResponses.WriteErrorAsync(context, 400, "BadRequestError", "Expected {\"remote_engine_id\":…,\"remote_block_ids\":[…]}.", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (engineId != _engineId || !_leases.TryEnd(blockIds, outcome))
        {
            _stats.Increment(SimulatorCounter.SideChannelRejected);
            await HttpResponses.WriteErrorAsync(context, 404, "NotFoundError", "KV blocks not held by this engine (unknown, expired, released or already pulled).", cancellationToken).ConfigureAwait(false);
            return;
        }

        await HttpResponses.WriteJsonAsync(
            context,
            200,
            blockIds.Length,
            static (writer, count) =>
            {
                writer.WriteStartObject();
                writer.WriteString("status"u8, "ok"u8);
                writer.WriteNumber("num_blocks"u8, count);
                writer.WriteEndObject();
            },
            cancellationToken).ConfigureAwait(false);
    }

    private static async Task<(int[]? BlockIds, string? EngineId)> ReadRequestAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        ReadResult result;
        while (true)
        {
            result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCompleted || result.IsCanceled)
            {
                break;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(result.Buffer, SimulatorJson.DocumentOptions);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("remote_block_ids"u8, out JsonElement blocks))
            {
                return (null, null);
            }

            string? engineId = root.TryGetProperty("remote_engine_id"u8, out JsonElement engine) && engine.ValueKind == JsonValueKind.String
                ? engine.GetString()
                : null;
            return (CompletionRequestParser.ReadBlockIds(blocks), engineId);
        }
        finally
        {
            reader.AdvanceTo(result.Buffer.End);
        }
    }
}
