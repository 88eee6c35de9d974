using FastRouter.Discovery;

namespace FastRouter.FlowControl;

/// <summary>
/// The queue of one model's requests, with the capacity it waits for: a prefill pod and a decode pod of that
/// model's current route that are not saturated. One per model, so a saturated model never holds up another's.
/// </summary>
internal sealed class ModelQueue : IDispatchCapacity
{
    private readonly FlowController _owner;

    public ModelQueue(FlowController owner, string? model, TimeProvider time)
    {
        _owner = owner;
        Model = model;
        Queue = new FlowQueue(owner.Options.QueueSize, FlowController.BandCount, this, time);
    }

    public string? Model { get; }

    public FlowQueue Queue { get; }

    public bool HasRoom()
    {
        RoutingTable table = _owner.Discovery.Current;
        ModelRoute route = (Model is null ? null : table.ResolveModel(Model)) ?? table.AnyModel;
        return _owner.HasRoom(route);
    }
}
