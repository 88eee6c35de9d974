using FastRouter.FlowControl;

namespace FastRouter.Tests.FlowControl;

/// <summary>A fleet whose room the test switches on and off.</summary>
internal sealed class SwitchableCapacity : IDispatchCapacity
{
    public bool Open { get; set; }

    public bool HasRoom() => Open;
}
