using System.IO.Hashing;

namespace FastRouter.Protocol;

/// <summary>
/// The result of one pass over a request body: where the fields the router edits are, and the values it
/// routes on. Reusable: <see cref="Reset"/> clears it for the next request.
/// </summary>
internal sealed class RequestScan
{
    private ScannedMemberBuffer _inline;
    private ScannedMember[]? _overflow;
    private int _presentFields;

    /// <summary>Number of interesting members recorded (duplicates included).</summary>
    public int Count { get; private set; }

    /// <summary>Offset of the object's opening brace.</summary>
    public int ObjectStart { get; set; }

    /// <summary>Offset of the object's closing brace.</summary>
    public int ObjectClose { get; set; }

    /// <summary>All top-level members, interesting or not.</summary>
    public int MemberCount { get; set; }

    /// <summary>The client's <c>stream</c> (the last one wins, as in Python's json).</summary>
    public bool Stream { get; set; }

    /// <summary>Offsets of the last <c>model</c> string token, quotes included; -1 when absent or null.</summary>
    public int ModelTokenStart { get; set; } = -1;

    public int ModelTokenEnd { get; set; } = -1;

    public bool HasModel => ModelTokenStart >= 0;

    /// <summary>
    /// The request's affinity key: a stable 64-bit hash (the same in every router replica) of the rendered prompt's
    /// start through its first user message, identifying its shared prefix and its conversation; 0 when the body has
    /// no prompt to hash. Filled by <see cref="RequestScanner"/>.
    /// </summary>
    public ulong AffinityKey { get; set; }

    /// <summary>
    /// The request's prefix key, which the prefill pick uses: a stable 64-bit hash of the rendered prompt's first
    /// <see cref="PromptScanner.PrefixKeyBytes"/> bytes (roles and contents in order), where requests sharing a system
    /// prompt or template agree, so they meet the prefill pod that already computed it. 0 when there is no prompt.
    /// </summary>
    public ulong PrefixKey { get; set; }

    /// <summary>UTF-8 bytes of prompt text (message contents, or the prompt), the router's token estimate's base (about 4 bytes a token).</summary>
    public int PromptBytes { get; set; }

    /// <summary>The router's token estimate, with no tokenizer: bytes of text per token (English text in Llama's tokenizer runs about 4).</summary>
    public const int BytesPerToken = 4;

    /// <summary><see cref="PromptBytes"/> as tokens, by <see cref="BytesPerToken"/>.</summary>
    public int PromptTokens => PromptBytes / BytesPerToken;

    /// <summary>
    /// Bytes of prompt text after the last assistant message: what a decode pod that served the conversation's previous
    /// turn does not hold yet. Equals <see cref="PromptBytes"/> when the prompt has no assistant message.
    /// </summary>
    public int NewPromptBytes { get; set; }

    /// <summary>True when the messages hold an assistant message: a later turn of a conversation.</summary>
    public bool HasHistory { get; set; }

    /// <summary>The incremental hash <see cref="PromptScanner"/> runs over contents: one per scan, reused, so a scan allocates none.</summary>
    public XxHash3 ContentHasher { get; } = new();

    /// <summary>The incremental hash of the prompt's first bytes, for <see cref="PrefixKey"/>; reused like <see cref="ContentHasher"/>.</summary>
    public XxHash3 PrefixHasher { get; } = new();

    public ScannedMember this[int index] => index < ScannedMemberBuffer.Capacity ? _inline[index] : _overflow![index - ScannedMemberBuffer.Capacity];

    public bool Has(RequestField field) => (_presentFields & (1 << (int)field)) != 0;

    public void Add(in ScannedMember member)
    {
        if (Count < ScannedMemberBuffer.Capacity)
        {
            _inline[Count] = member;
        }
        else
        {
            int index = Count - ScannedMemberBuffer.Capacity;
            if (_overflow is null || index == _overflow.Length)
            {
                Array.Resize(ref _overflow, Math.Max(8, (_overflow?.Length ?? 0) * 2));
            }

            _overflow[index] = member;
        }

        Count++;
        _presentFields |= 1 << (int)member.Field;
    }

    /// <summary>Sets where the next member starts on the most recently added one, if it was the previous member.</summary>
    public void LinkNext(int previousOrdinal, int nextNameStart)
    {
        if (Count == 0)
        {
            return;
        }

        int last = Count - 1;
        ref ScannedMember member = ref last < ScannedMemberBuffer.Capacity ? ref _inline[last] : ref _overflow![last - ScannedMemberBuffer.Capacity];
        if (member.Ordinal == previousOrdinal)
        {
            member.NextNameStart = nextNameStart;
        }
    }

    public void Reset()
    {
        Count = 0;
        _presentFields = 0;
        _overflow = null;
        ObjectStart = 0;
        ObjectClose = 0;
        MemberCount = 0;
        Stream = false;
        ModelTokenStart = -1;
        ModelTokenEnd = -1;
        AffinityKey = 0;
        PrefixKey = 0;
        PromptBytes = 0;
        NewPromptBytes = 0;
        HasHistory = false;
    }
}
