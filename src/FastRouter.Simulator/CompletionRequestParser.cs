using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace FastRouter.Simulation;

/// <summary>
/// Reads and validates a completion request body the way vLLM's OpenAI server does, so a router that sends
/// something vLLM would refuse gets the same 400/404 here instead of a silent pass.
/// </summary>
internal static class CompletionRequestParser
{
    public static CompletionRequest? Parse(
        JsonElement root,
        CompletionKind kind,
        string? requestIdHeader,
        SimulatorOptions options,
        out CompletionRequestError? error)
    {
        CompletionRequest? request = ParseCore(root, kind, requestIdHeader, options, out string? message, out bool modelUnknown);
        if (request is not null)
        {
            error = null;
            return request;
        }

        error = modelUnknown
            ? new CompletionRequestError(404, "NotFoundError", message!)
            : new CompletionRequestError(400, "BadRequestError", message!);
        return null;
    }

    private static CompletionRequest? ParseCore(
        JsonElement root,
        CompletionKind kind,
        string? requestIdHeader,
        SimulatorOptions options,
        out string? error,
        out bool modelUnknown)
    {
        modelUnknown = false;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = "The request body must be a JSON object.";
            return null;
        }

        if (root.TryGetProperty("model"u8, out JsonElement model) && model.ValueKind != JsonValueKind.Null)
        {
            if (model.ValueKind != JsonValueKind.String)
            {
                error = "model: Input should be a valid string";
                return null;
            }

            if (!model.ValueEquals(options.Model))
            {
                modelUnknown = true;
                error = $"The model `{model.GetString()}` does not exist.";
                return null;
            }
        }

        int promptTokens;
        if (kind == CompletionKind.Chat)
        {
            if (!root.TryGetProperty("messages"u8, out JsonElement messages) || messages.ValueKind != JsonValueKind.Array)
            {
                error = "messages: Field required (an array of messages)";
                return null;
            }

            promptTokens = EstimateChatTokens(messages);
        }
        else
        {
            if (!root.TryGetProperty("prompt"u8, out JsonElement prompt) || prompt.ValueKind == JsonValueKind.Null)
            {
                error = "prompt: Field required";
                return null;
            }

            promptTokens = EstimatePromptTokens(prompt);
        }

        byte[]? rendered = null;
        if (options.CacheBlocks > 0)
        {
            rendered = PromptRenderer.Render(root, kind);
            promptTokens = BlockChain.TokensOf(rendered.Length);
        }

        if (!TryReadBool(root, "stream"u8, "stream", out bool stream, out error))
        {
            return null;
        }

        bool includeUsage = false;
        bool continuousUsage = false;
        if (root.TryGetProperty("stream_options"u8, out JsonElement streamOptions) && streamOptions.ValueKind != JsonValueKind.Null)
        {
            if (!stream)
            {
                error = "Stream options can only be defined when `stream=True`.";
                return null;
            }

            if (streamOptions.ValueKind != JsonValueKind.Object)
            {
                error = "stream_options: Input should be a valid dictionary";
                return null;
            }

            if (!TryReadBool(streamOptions, "include_usage"u8, "stream_options.include_usage", out includeUsage, out error)
                || !TryReadBool(streamOptions, "continuous_usage_stats"u8, "stream_options.continuous_usage_stats", out continuousUsage, out error))
            {
                return null;
            }

            continuousUsage &= includeUsage;
        }

        // Chat reads max_completion_tokens before the deprecated max_tokens, as vLLM does.
        int? maxTokens = null;
        if (kind == CompletionKind.Chat && !TryReadPositiveInt(root, "max_completion_tokens"u8, "max_completion_tokens", out maxTokens, out error))
        {
            return null;
        }

        if (maxTokens is null && !TryReadPositiveInt(root, "max_tokens"u8, "max_tokens", out maxTokens, out error))
        {
            return null;
        }

        int effectiveMaxTokens = maxTokens ?? options.DefaultMaxTokens;
        if (!TryReadMinTokens(root, kind, effectiveMaxTokens, out error))
        {
            return null;
        }

        if (root.TryGetProperty("n"u8, out JsonElement n) && n.ValueKind != JsonValueKind.Null
            && !(n.ValueKind == JsonValueKind.Number && n.TryGetInt32(out int nValue) && nValue == 1))
        {
            error = "The simulator only supports n=1.";
            return null;
        }

        if ((long)promptTokens + effectiveMaxTokens > options.MaxModelLen)
        {
            error = string.Create(
                CultureInfo.InvariantCulture,
                $"This model's maximum context length is {options.MaxModelLen} tokens. However, you requested {(long)promptTokens + effectiveMaxTokens} tokens ({promptTokens} in the messages, {effectiveMaxTokens} in the completion). Please reduce the length of the messages or completion.");
            return null;
        }

        if (!TryReadKvTransfer(root, out KvTransferIntent intent, out RemoteKvParams? remoteKv, out error))
        {
            return null;
        }

        string baseId = string.IsNullOrEmpty(requestIdHeader) ? Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture) : requestIdHeader;
        error = null;
        return new CompletionRequest
        {
            Kind = kind,
            ResponseId = (kind == CompletionKind.Chat ? "chatcmpl-" : "cmpl-") + baseId,
            Stream = stream,
            IncludeUsage = includeUsage,
            ContinuousUsage = continuousUsage,
            MaxTokens = effectiveMaxTokens,
            PromptTokens = promptTokens,
            KvIntent = intent,
            RemoteKv = remoteKv,
            Rendered = rendered,
        };
    }

    private static bool TryReadMinTokens(JsonElement root, CompletionKind kind, int maxTokens, out string? error)
    {
        int? minTokens = null;
        if (kind == CompletionKind.Chat && !TryReadNonNegativeInt(root, "min_completion_tokens"u8, "min_completion_tokens", out minTokens, out error))
        {
            return false;
        }

        if (minTokens is null && !TryReadNonNegativeInt(root, "min_tokens"u8, "min_tokens", out minTokens, out error))
        {
            return false;
        }

        if (minTokens > maxTokens)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"min_tokens must be less than or equal to max_tokens={maxTokens}, got {minTokens}.");
            return false;
        }

        error = null;
        return true;
    }

    private static bool TryReadKvTransfer(JsonElement root, out KvTransferIntent intent, out RemoteKvParams? remoteKv, out string? error)
    {
        intent = KvTransferIntent.None;
        remoteKv = null;
        error = null;
        if (!root.TryGetProperty("kv_transfer_params"u8, out JsonElement kv) || kv.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (kv.ValueKind != JsonValueKind.Object)
        {
            error = "kv_transfer_params: Input should be a valid dictionary";
            return false;
        }

        bool remoteDecode = kv.TryGetProperty("do_remote_decode"u8, out JsonElement d) && d.ValueKind == JsonValueKind.True;
        bool remotePrefill = kv.TryGetProperty("do_remote_prefill"u8, out JsonElement p) && p.ValueKind == JsonValueKind.True;
        if (remoteDecode && remotePrefill)
        {
            error = "kv_transfer_params: do_remote_decode and do_remote_prefill cannot both be true.";
            return false;
        }

        if (remoteDecode)
        {
            intent = KvTransferIntent.RemoteDecode;
            return true;
        }

        if (!remotePrefill)
        {
            return true;
        }

        remoteKv = ReadRemoteKv(kv, out error);
        intent = KvTransferIntent.RemotePrefill;
        return remoteKv is not null;
    }

    private static RemoteKvParams? ReadRemoteKv(JsonElement kv, out string? error)
    {
        if (!kv.TryGetProperty("remote_host"u8, out JsonElement host) || host.ValueKind != JsonValueKind.String || host.GetString()!.Length == 0)
        {
            error = "kv_transfer_params: remote_host must be a non-empty string when do_remote_prefill is true.";
            return null;
        }

        if (!kv.TryGetProperty("remote_port"u8, out JsonElement port) || port.ValueKind != JsonValueKind.Number
            || !port.TryGetInt32(out int portValue) || portValue is < 1 or > 65535)
        {
            error = "kv_transfer_params: remote_port must be a port number when do_remote_prefill is true.";
            return null;
        }

        if (!kv.TryGetProperty("remote_engine_id"u8, out JsonElement engine) || engine.ValueKind != JsonValueKind.String)
        {
            error = "kv_transfer_params: remote_engine_id must be a string when do_remote_prefill is true.";
            return null;
        }

        int[]? blockIds = kv.TryGetProperty("remote_block_ids"u8, out JsonElement blocks) ? ReadBlockIds(blocks) : null;
        if (blockIds is null)
        {
            error = "kv_transfer_params: remote_block_ids must be a non-empty list of block ids (or of lists of them).";
            return null;
        }

        string? remoteRequestId = kv.TryGetProperty("remote_request_id"u8, out JsonElement rid) && rid.ValueKind == JsonValueKind.String
            ? rid.GetString()
            : null;
        error = null;
        return new RemoteKvParams(host.GetString()!, portValue, engine.GetString()!, blockIds, remoteRequestId);
    }

    /// <summary>Accepts the legacy flat list and the newer list of lists (one per KV cache group), flattened.</summary>
    internal static int[]? ReadBlockIds(JsonElement blocks)
    {
        if (blocks.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var ids = new List<int>();
        foreach (JsonElement item in blocks.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement inner in item.EnumerateArray())
                {
                    if (!inner.TryGetInt32(out int id))
                    {
                        return null;
                    }

                    ids.Add(id);
                }
            }
            else if (item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out int id))
            {
                ids.Add(id);
            }
            else
            {
                return null;
            }
        }

        return ids.Count == 0 ? null : [.. ids];
    }

    private static bool TryReadBool(JsonElement obj, ReadOnlySpan<byte> name, string displayName, out bool value, out string? error)
    {
        error = null;
        value = false;
        if (!obj.TryGetProperty(name, out JsonElement element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            value = element.ValueKind == JsonValueKind.True;
            return true;
        }

        error = displayName + ": Input should be a valid boolean";
        return false;
    }

    private static bool TryReadPositiveInt(JsonElement obj, ReadOnlySpan<byte> name, string displayName, out int? value, out string? error)
    {
        if (!TryReadNonNegativeInt(obj, name, displayName, out value, out error))
        {
            return false;
        }

        if (value < 1)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"{displayName} must be at least 1, got {value}.");
            return false;
        }

        return true;
    }

    private static bool TryReadNonNegativeInt(JsonElement obj, ReadOnlySpan<byte> name, string displayName, out int? value, out string? error)
    {
        value = null;
        error = null;
        if (!obj.TryGetProperty(name, out JsonElement element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out int parsed))
        {
            error = displayName + ": Input should be a valid integer";
            return false;
        }

        if (parsed < 0)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"{displayName} must be greater than or equal to 0, got {parsed}.");
            return false;
        }

        value = parsed;
        return true;
    }

    /// <summary>About four characters a token, the usual rule of thumb for English text; at least one token.</summary>
    private static int EstimateChatTokens(JsonElement messages)
    {
        long chars = 0;
        foreach (JsonElement message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("content"u8, out JsonElement content))
            {
                continue;
            }

            if (content.ValueKind == JsonValueKind.String)
            {
                chars += RawStringLength(content);
            }
            else if (content.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text"u8, out JsonElement text) && text.ValueKind == JsonValueKind.String)
                    {
                        chars += RawStringLength(text);
                    }
                }
            }
        }

        return TokensFor(chars, 0);
    }

    private static int EstimatePromptTokens(JsonElement prompt)
    {
        long chars = 0;
        long tokenIds = 0;
        if (prompt.ValueKind == JsonValueKind.String)
        {
            chars = RawStringLength(prompt);
        }
        else if (prompt.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in prompt.EnumerateArray())
            {
                switch (item.ValueKind)
                {
                    case JsonValueKind.String:
                        chars += RawStringLength(item);
                        break;
                    case JsonValueKind.Number:
                        tokenIds++;
                        break;
                    case JsonValueKind.Array:
                        tokenIds += item.GetArrayLength();
                        break;
                    default:
                        break;
                }
            }
        }

        return TokensFor(chars, tokenIds);
    }

    // The encoded length without its quotes: close enough for an estimate, and it reads the bytes in place
    // instead of allocating a string per message on the hot path.
    private static int RawStringLength(JsonElement text) => Math.Max(0, JsonMarshal.GetRawUtf8Value(text).Length - 2);

    private static int TokensFor(long chars, long tokenIds) => (int)Math.Clamp((chars / 4) + tokenIds, 1, int.MaxValue);
}
