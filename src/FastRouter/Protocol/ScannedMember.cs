namespace FastRouter.Protocol;

/// <summary>
/// Where one interesting top-level member sits in the request bytes. Offsets are absolute byte positions
/// in the body, so edits can be applied as slices of the original.
/// </summary>
internal struct ScannedMember
{
    public RequestField Field;

    /// <summary>Position of this member among all top-level members (0 = first).</summary>
    public int Ordinal;

    /// <summary>Offset of the opening quote of the member's name.</summary>
    public int NameStart;

    /// <summary>Offset of the first byte of the value.</summary>
    public int ValueStart;

    /// <summary>Offset just past the last byte of the value.</summary>
    public int ValueEnd;

    /// <summary>Offset just past the previous member's value, or -1 when this is the first member.</summary>
    public int PreviousValueEnd;

    /// <summary>Offset of the next member's name, or -1 when this is the last member.</summary>
    public int NextNameStart;
}
