using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using CommunityToolkit.HighPerformance.Buffers;

namespace FastRouter.Protocol;

/// <summary>
/// One forward pass of <see cref="Utf8JsonReader"/> over a request body: validates the whole document, and
/// records where the top-level fields the router edits sit, without building a DOM or copying bytes. On the way it
/// reads the prompt for the affinity key and the size estimates (<see cref="PromptScanner"/>).
/// </summary>
internal static class RequestScanner
{
    /// <summary>
    /// Scans <paramref name="body"/> into <paramref name="scan"/>. Returns false with a client-facing reason
    /// when the body is not a single well-formed JSON object or a field the router uses has the wrong type.
    /// </summary>
    public static bool TryScan(in ReadOnlySequence<byte> body, int maxDepth, RequestScan scan, out RequestRejection rejection)
    {
        scan.Reset();
        if (body.IsEmpty)
        {
            rejection = new RequestRejection("The request body is empty; a JSON object is required.", null);
            return false;
        }

        // Utf8JsonReader checks structure but not every string's UTF-8: Python's json would refuse such a body,
        // and forwarding it would only move the 400 to the backend after a pod was chosen.
        if (!IsValidUtf8(body))
        {
            rejection = new RequestRejection("The request body is not valid UTF-8.", null);
            return false;
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = maxDepth });
        try
        {
            return ScanObject(ref reader, scan, out rejection);
        }
        catch (JsonException exception)
        {
            rejection = new RequestRejection("The request body is not valid JSON: " + exception.Message, null);
            return false;
        }
    }

    private static bool ScanObject(ref Utf8JsonReader reader, RequestScan scan, out RequestRejection rejection)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            rejection = new RequestRejection("The request body must be a JSON object.", null);
            return false;
        }

        scan.ObjectStart = (int)reader.TokenStartIndex;
        int ordinal = 0;
        int previousValueEnd = -1;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                scan.ObjectClose = (int)reader.TokenStartIndex;
                break;
            }

            // At depth 1 inside an object the reader only ever yields property names here.
            int nameStart = (int)reader.TokenStartIndex;
            scan.LinkNext(ordinal - 1, nameStart);
            RequestField field = Classify(ref reader);
            bool isMessages = field == RequestField.Other && reader.ValueTextEquals("messages"u8);
            bool isPrompt = field == RequestField.Other && !isMessages && reader.ValueTextEquals("prompt"u8);
            reader.Read();
            int valueStart = (int)reader.TokenStartIndex;
            if (!CheckValue(ref reader, field, scan, out rejection))
            {
                return false;
            }

            if (isMessages)
            {
                PromptScanner.ScanMessages(ref reader, scan);
            }
            else if (isPrompt)
            {
                PromptScanner.ScanPrompt(ref reader, scan);
            }
            else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }

            int valueEnd = (int)reader.BytesConsumed;
            if (field == RequestField.Model && reader.TokenType == JsonTokenType.String)
            {
                scan.ModelTokenStart = valueStart;
                scan.ModelTokenEnd = valueEnd;
            }

            if (field != RequestField.Other)
            {
                scan.Add(new ScannedMember
                {
                    Field = field,
                    Ordinal = ordinal,
                    NameStart = nameStart,
                    ValueStart = valueStart,
                    ValueEnd = valueEnd,
                    PreviousValueEnd = previousValueEnd,
                    NextNameStart = -1,
                });
            }

            previousValueEnd = valueEnd;
            ordinal++;
        }

        scan.MemberCount = ordinal;

        // With isFinalBlock the reader throws on anything but white space after the root value.
        if (reader.Read())
        {
            rejection = new RequestRejection("The request body has content after the JSON object.", null);
            return false;
        }

        rejection = default;
        return true;
    }

    private static RequestField Classify(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals("model"u8))
        {
            return RequestField.Model;
        }

        if (reader.ValueTextEquals("stream"u8))
        {
            return RequestField.Stream;
        }

        if (reader.ValueTextEquals("max_tokens"u8))
        {
            return RequestField.MaxTokens;
        }

        if (reader.ValueTextEquals("stream_options"u8))
        {
            return RequestField.StreamOptions;
        }

        if (reader.ValueTextEquals("max_completion_tokens"u8))
        {
            return RequestField.MaxCompletionTokens;
        }

        if (reader.ValueTextEquals("min_tokens"u8))
        {
            return RequestField.MinTokens;
        }

        if (reader.ValueTextEquals("min_completion_tokens"u8))
        {
            return RequestField.MinCompletionTokens;
        }

        if (reader.ValueTextEquals("n"u8))
        {
            return RequestField.N;
        }

        return reader.ValueTextEquals("kv_transfer_params"u8) ? RequestField.KvTransferParams : RequestField.Other;
    }

    /// <summary>Checks the type of a field the router edits or reads, and records the values it routes on.</summary>
    private static bool CheckValue(ref Utf8JsonReader reader, RequestField field, RequestScan scan, out RequestRejection rejection)
    {
        JsonTokenType type = reader.TokenType;
        rejection = default;
        switch (field)
        {
            case RequestField.Model:
                if (type == JsonTokenType.String)
                {
                    return true; // recorded by the caller, which knows where the token ends
                }

                if (type == JsonTokenType.Null)
                {
                    scan.ModelTokenStart = -1;
                    scan.ModelTokenEnd = -1;
                    return true;
                }

                rejection = new RequestRejection("'model' must be a string.", "model");
                return false;

            case RequestField.Stream:
                if (type is JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null)
                {
                    scan.Stream = type == JsonTokenType.True;
                    return true;
                }

                rejection = new RequestRejection("'stream' must be a boolean.", "stream");
                return false;

            case RequestField.StreamOptions:
                if (type is JsonTokenType.StartObject or JsonTokenType.Null)
                {
                    return true;
                }

                rejection = new RequestRejection("'stream_options' must be an object or null.", "stream_options");
                return false;

            case RequestField.MaxTokens:
            case RequestField.MaxCompletionTokens:
            case RequestField.MinTokens:
            case RequestField.MinCompletionTokens:
            case RequestField.N:
                if (type is JsonTokenType.Number or JsonTokenType.Null)
                {
                    return true;
                }

                string name = FieldNames.Of(field);
                rejection = new RequestRejection("'" + name + "' must be an integer or null.", name);
                return false;

            default:
                // Other fields and a client's kv_transfer_params (which is replaced) may hold anything.
                return true;
        }
    }

    private static bool IsValidUtf8(in ReadOnlySequence<byte> body)
    {
        if (body.IsSingleSegment)
        {
            return Utf8.IsValid(body.FirstSpan);
        }

        // A code point may straddle two segments: validate a copy. Only tests and odd transports get here.
        using SpanOwner<byte> copy = SpanOwner<byte>.Allocate(checked((int)body.Length));
        body.CopyTo(copy.Span);
        return Utf8.IsValid(copy.Span);
    }
}
