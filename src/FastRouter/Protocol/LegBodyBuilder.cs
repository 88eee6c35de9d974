using System.Buffers;

namespace FastRouter.Protocol;

/// <summary>
/// Writes the prefill and decode bodies as slices of the client's bytes plus replacement bytes
/// (protocol.md §1). Members the router does not change keep their exact bytes; members it removes take
/// one adjacent comma with them so the result stays valid JSON.
/// </summary>
internal static class LegBodyBuilder
{
    /// <summary>
    /// The prefill body: max_tokens = 1 (added when absent), max_completion_tokens and n = 1 when present,
    /// stream = false when present, stream_options and min_tokens / min_completion_tokens removed, the client's
    /// kv_transfer_params replaced by the router's request for a remote decode.
    /// </summary>
    public static void BuildPrefill(in ReadOnlySequence<byte> body, RequestScan scan, BodySegments output)
    {
        int written = WriteEditedMembers(body, scan, LegKind.Prefill, output);
        if (!scan.Has(RequestField.MaxTokens))
        {
            AddMember(output, ref written, JsonLiterals.MaxTokensOneMember);
        }

        AddMember(output, ref written, JsonLiterals.PrefillKvTransferParamsMember);
        output.Add(JsonLiterals.CloseBrace);
    }

    /// <summary>
    /// The decode body: the client's body untouched except that its kv_transfer_params (if any) is replaced by
    /// <paramref name="kvTransferParams"/>, the object prefill answered with; null sends the plain request.
    /// </summary>
    public static void BuildDecode(in ReadOnlySequence<byte> body, RequestScan scan, BodySegments? kvTransferParams, BodySegments output)
    {
        int written = WriteEditedMembers(body, scan, LegKind.Decode, output);
        if (kvTransferParams is not null)
        {
            if (written > 0)
            {
                output.Add(JsonLiterals.Comma);
            }

            output.Add(JsonLiterals.KvTransferParamsName);
            output.AddAll(kvTransferParams);
        }

        output.Add(JsonLiterals.CloseBrace);
    }

    /// <summary>
    /// The body that releases a prefill's KV when the client left before decode started (protocol.md §6): the
    /// decode body, but streaming and for one token (max_tokens, max_completion_tokens, n = 1; stream_options
    /// and min_tokens removed), so decode pulls the blocks, answers at once, and is closed.
    /// </summary>
    public static void BuildDrain(in ReadOnlySequence<byte> body, RequestScan scan, BodySegments kvTransferParams, BodySegments output)
    {
        int written = WriteEditedMembers(body, scan, LegKind.Drain, output);
        if (!scan.Has(RequestField.MaxTokens))
        {
            AddMember(output, ref written, JsonLiterals.MaxTokensOneMember);
        }

        if (!scan.Has(RequestField.Stream))
        {
            AddMember(output, ref written, JsonLiterals.StreamTrueMember);
        }

        if (written > 0)
        {
            output.Add(JsonLiterals.Comma);
        }

        output.Add(JsonLiterals.KvTransferParamsName);
        output.AddAll(kvTransferParams);
        output.Add(JsonLiterals.CloseBrace);
    }

    private static void AddMember(BodySegments output, ref int written, byte[] member)
    {
        if (written > 0)
        {
            output.Add(JsonLiterals.Comma);
        }

        output.Add(member);
        written++;
    }

    /// <summary>
    /// Writes "{" and every member with the leg's edits applied, up to (not including) the closing brace.
    /// Returns how many members the output holds.
    /// </summary>
    private static int WriteEditedMembers(in ReadOnlySequence<byte> body, RequestScan scan, LegKind leg, BodySegments output)
    {
        output.Add(JsonLiterals.OpenBrace);
        int cursor = scan.ObjectStart + 1;
        int removed = 0;
        for (int i = 0; i < scan.Count; i++)
        {
            ScannedMember member = scan[i];
            switch (ActionFor(leg, member.Field))
            {
                case EditAction.Keep:
                    break;

                case EditAction.ReplaceWithOne:
                case EditAction.ReplaceWithFalse:
                case EditAction.ReplaceWithTrue:
                    output.AddRange(body, cursor, member.ValueStart);
                    output.Add(ActionFor(leg, member.Field) switch
                    {
                        EditAction.ReplaceWithOne => JsonLiterals.One,
                        EditAction.ReplaceWithFalse => JsonLiterals.False,
                        _ => JsonLiterals.True,
                    });
                    cursor = member.ValueEnd;
                    break;

                case EditAction.Remove:
                    bool keptMemberBefore = member.Ordinal - removed > 0;
                    if (keptMemberBefore)
                    {
                        // Take the comma before this member with it.
                        output.AddRange(body, cursor, member.PreviousValueEnd);
                        cursor = member.ValueEnd;
                    }
                    else
                    {
                        // Nothing precedes it in the output: take the comma after it instead, if there is one.
                        cursor = member.NextNameStart >= 0 ? member.NextNameStart : member.ValueEnd;
                    }

                    removed++;
                    break;
            }
        }

        output.AddRange(body, cursor, scan.ObjectClose);
        return scan.MemberCount - removed;
    }

    private static EditAction ActionFor(LegKind leg, RequestField field)
    {
        if (leg == LegKind.Decode)
        {
            return field == RequestField.KvTransferParams ? EditAction.Remove : EditAction.Keep;
        }

        return field switch
        {
            RequestField.MaxTokens or RequestField.MaxCompletionTokens or RequestField.N => EditAction.ReplaceWithOne,
            RequestField.Stream => leg == LegKind.Drain ? EditAction.ReplaceWithTrue : EditAction.ReplaceWithFalse,
            RequestField.StreamOptions or RequestField.MinTokens or RequestField.MinCompletionTokens or RequestField.KvTransferParams => EditAction.Remove,
            _ => EditAction.Keep,
        };
    }

    private enum LegKind
    {
        Prefill,
        Decode,
        Drain,
    }

    private enum EditAction
    {
        Keep,
        Remove,
        ReplaceWithOne,
        ReplaceWithFalse,
        ReplaceWithTrue,
    }
}
