using FastRouter.Protocol;

namespace FastRouter.Telemetry;

/// <summary>
/// Finds <c>"usage":{"prompt_tokens":N,"completion_tokens":M,…}</c> in a decode answer as its bytes pass through
/// the relay: fed any split of the stream (SSE events or a JSON body, chunk boundaries anywhere), byte by byte,
/// with no allocation and no buffering (a usage object that arrives whole in one read is read in one pass). The
/// last complete usage object seen wins (vLLM sends it in the final SSE event with
/// <c>stream_options.include_usage</c>, or in the JSON body). Only keys directly inside the usage
/// object count (<c>prompt_tokens_details</c> and other nested values are skipped). A mutable struct: keep it in
/// a local or field and call <see cref="Feed"/> on it in place. Not thread-safe (one stream, one reader).
/// </summary>
internal struct UsageScanner
{
    private const byte Quote = (byte)'"';
    private static ReadOnlySpan<byte> UsageKey => "\"usage\""u8;
    private static ReadOnlySpan<byte> PromptKey => "prompt_tokens"u8;
    private static ReadOnlySpan<byte> CompletionKey => "completion_tokens"u8;

    private State _state;
    private int _match;
    private int _promptMatch;
    private int _completionMatch;
    private int _nestedDepth;
    private bool _escaped;
    private bool _nestedInString;
    private int _currentKey;
    private long _number;
    private long _prompt;
    private long _completion;
    private bool _sawPrompt;
    private bool _sawCompletion;

    private enum State : byte
    {
        Search,
        AfterUsageKey,
        AfterColon,
        InObject,
        InKey,
        AfterKey,
        ValueStart,
        InNumber,
        InString,
        Nested,
        Literal,
    }

    /// <summary>True once a complete usage object with both counts was seen.</summary>
    public bool Found { get; private set; }

    public long PromptTokens { get; private set; }

    public long CompletionTokens { get; private set; }

    public void Feed(ReadOnlySpan<byte> bytes)
    {
        int i = 0;
        while (i < bytes.Length)
        {
            if (_state == State.Search && _match == 0)
            {
                // Most bytes are not near a usage key: find it with a vectorized search instead of stepping.
                int found = bytes[i..].IndexOf(UsageKey);
                if (found >= 0)
                {
                    i += found + UsageKey.Length;
                    int end = TryReadWholeObject(bytes, i);
                    if (end < 0)
                    {
                        _state = State.AfterUsageKey;
                    }
                    else
                    {
                        i = end;
                    }

                    continue;
                }

                // Only the last few bytes can begin a key split across this read and the next.
                for (int j = Math.Max(i, bytes.Length - (UsageKey.Length - 1)); j < bytes.Length; j++)
                {
                    Step(bytes[j]);
                }

                return;
            }

            Step(bytes[i++]);
        }
    }

    private void Step(byte b)
    {
        switch (_state)
        {
            case State.Search:
                if (b == UsageKey[_match])
                {
                    if (++_match == UsageKey.Length)
                    {
                        _match = 0;
                        _state = State.AfterUsageKey;
                    }
                }
                else
                {
                    _match = b == Quote ? 1 : 0;
                }

                break;
            case State.AfterUsageKey:
                if (b == (byte)':')
                {
                    _state = State.AfterColon;
                }
                else if (!JsonWhitespace.Is(b))
                {
                    Reset(b);
                }

                break;
            case State.AfterColon:
                if (b == (byte)'{')
                {
                    _sawPrompt = _sawCompletion = false;
                    _state = State.InObject;
                }
                else if (!JsonWhitespace.Is(b))
                {
                    Reset(b);
                }

                break;
            case State.InObject:
                if (b == Quote)
                {
                    _promptMatch = _completionMatch = 0;
                    _state = State.InKey;
                }
                else if (b == (byte)'}')
                {
                    Finish();
                }

                break;
            case State.InKey:
                if (b == Quote)
                {
                    _currentKey = _promptMatch == PromptKey.Length ? 1 : _completionMatch == CompletionKey.Length ? 2 : 0;
                    _state = State.AfterKey;
                }
                else
                {
                    _promptMatch = Advance(PromptKey, _promptMatch, b);
                    _completionMatch = Advance(CompletionKey, _completionMatch, b);
                }

                break;
            case State.AfterKey:
                if (b == (byte)':')
                {
                    _state = State.ValueStart;
                }
                else if (!JsonWhitespace.Is(b))
                {
                    Reset(b);
                }

                break;
            case State.ValueStart:
                if (b is >= (byte)'0' and <= (byte)'9')
                {
                    _number = b - '0';
                    _state = State.InNumber;
                }
                else if (b == Quote)
                {
                    _escaped = false;
                    _state = State.InString;
                }
                else if (b is (byte)'{' or (byte)'[')
                {
                    _nestedDepth = 1;
                    _nestedInString = false;
                    _escaped = false;
                    _state = State.Nested;
                }
                else if (!JsonWhitespace.Is(b))
                {
                    _state = State.Literal;
                }

                break;
            case State.InNumber:
                if (b is >= (byte)'0' and <= (byte)'9')
                {
                    _number = _number < long.MaxValue / 10 ? (_number * 10) + (b - '0') : long.MaxValue;
                }
                else
                {
                    if (_currentKey == 1)
                    {
                        _prompt = _number;
                        _sawPrompt = true;
                    }
                    else if (_currentKey == 2)
                    {
                        _completion = _number;
                        _sawCompletion = true;
                    }

                    _state = State.InObject;
                    Step(b);
                }

                break;
            case State.InString:
                if (_escaped)
                {
                    _escaped = false;
                }
                else if (b == (byte)'\\')
                {
                    _escaped = true;
                }
                else if (b == Quote)
                {
                    _state = State.InObject;
                }

                break;
            case State.Nested:
                if (_nestedInString)
                {
                    if (_escaped)
                    {
                        _escaped = false;
                    }
                    else if (b == (byte)'\\')
                    {
                        _escaped = true;
                    }
                    else if (b == Quote)
                    {
                        _nestedInString = false;
                    }
                }
                else if (b == Quote)
                {
                    _nestedInString = true;
                }
                else if (b is (byte)'{' or (byte)'[')
                {
                    _nestedDepth++;
                }
                else if (b is (byte)'}' or (byte)']' && --_nestedDepth == 0)
                {
                    _state = State.InObject;
                }

                break;
            default: // Literal: null, true, false
                if (b == (byte)',')
                {
                    _state = State.InObject;
                }
                else if (b == (byte)'}')
                {
                    Finish();
                }

                break;
        }
    }

    /// <summary>
    /// The usage object as vLLM writes it, whole in <paramref name="bytes"/> from <paramref name="at"/> (just past
    /// the key): keys without escapes, values that are unsigned integers or literals. Read in one pass over locals,
    /// several times faster than stepping byte by byte, with the outcome stepping would have. Returns the index past
    /// its closing brace; -1, having changed nothing, for anything else (split across reads, nested values, strings,
    /// signs, fractions, malformed), which is then stepped.
    /// </summary>
    private int TryReadWholeObject(ReadOnlySpan<byte> bytes, int at)
    {
        int p = JsonWhitespace.Skip(bytes, at);
        if (p >= bytes.Length || bytes[p] != (byte)':')
        {
            return -1;
        }

        p = JsonWhitespace.Skip(bytes, p + 1);
        if (p >= bytes.Length || bytes[p] != (byte)'{')
        {
            return -1;
        }

        long prompt = 0, completion = 0;
        bool sawPrompt = false, sawCompletion = false;
        p = JsonWhitespace.Skip(bytes, p + 1);
        while (p >= bytes.Length || bytes[p] != (byte)'}')
        {
            if (p >= bytes.Length || bytes[p] != Quote)
            {
                return -1;
            }

            int keyLength = bytes[(p + 1)..].IndexOfAny(Quote, (byte)'\\');
            if (keyLength < 0 || bytes[p + 1 + keyLength] != Quote)
            {
                return -1;
            }

            ReadOnlySpan<byte> key = bytes.Slice(p + 1, keyLength);
            p = JsonWhitespace.Skip(bytes, p + keyLength + 2);
            if (p >= bytes.Length || bytes[p] != (byte)':')
            {
                return -1;
            }

            p = JsonWhitespace.Skip(bytes, p + 1);
            if (p < bytes.Length && bytes[p] is >= (byte)'0' and <= (byte)'9')
            {
                long number = 0;
                for (; p < bytes.Length && bytes[p] is >= (byte)'0' and <= (byte)'9'; p++)
                {
                    number = number < long.MaxValue / 10 ? (number * 10) + (bytes[p] - '0') : long.MaxValue;
                }

                if (key.SequenceEqual(PromptKey))
                {
                    prompt = number;
                    sawPrompt = true;
                }
                else if (key.SequenceEqual(CompletionKey))
                {
                    completion = number;
                    sawCompletion = true;
                }
            }
            else if (bytes[p..].StartsWith("null"u8) || bytes[p..].StartsWith("true"u8))
            {
                p += 4;
            }
            else if (bytes[p..].StartsWith("false"u8))
            {
                p += 5;
            }
            else
            {
                return -1;
            }

            p = JsonWhitespace.Skip(bytes, p);
            if (p < bytes.Length && bytes[p] == (byte)',')
            {
                p = JsonWhitespace.Skip(bytes, p + 1);
            }
            else if (p >= bytes.Length || bytes[p] != (byte)'}')
            {
                return -1;
            }
        }

        _prompt = prompt;
        _completion = completion;
        _sawPrompt = sawPrompt;
        _sawCompletion = sawCompletion;
        Finish();
        return p + 1;
    }

    private void Finish()
    {
        if (_sawPrompt && _sawCompletion)
        {
            PromptTokens = _prompt;
            CompletionTokens = _completion;
            Found = true;
        }

        _state = State.Search;
        _match = 0;
    }

    private void Reset(byte b)
    {
        _state = State.Search;
        _match = b == Quote ? 1 : 0;
    }

    private static int Advance(ReadOnlySpan<byte> key, int matched, byte b) =>
        matched >= 0 && matched < key.Length && key[matched] == b ? matched + 1 : -1;
}
