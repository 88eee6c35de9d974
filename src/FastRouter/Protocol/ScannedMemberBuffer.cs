using System.Runtime.CompilerServices;

namespace FastRouter.Protocol;

/// <summary>Inline room for the interesting members of an ordinary request, so scanning allocates nothing.</summary>
[InlineArray(Capacity)]
internal struct ScannedMemberBuffer
{
    public const int Capacity = 12;

    private ScannedMember _first;
}
