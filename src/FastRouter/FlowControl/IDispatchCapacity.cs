namespace FastRouter.FlowControl;

/// <summary>
/// Whether the fleet can take one more request now. The <see cref="FlowQueue"/> asks it before each dispatch,
/// under its lock, so it must be cheap and must not call back into the queue.
/// </summary>
internal interface IDispatchCapacity
{
    bool HasRoom();
}
