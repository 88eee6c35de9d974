namespace FastRouter.Simulation;

/// <summary>The fault one request was picked for, with its parameters.</summary>
internal readonly record struct SimulatorFault(SimulatorFaultMode Mode, TimeSpan Delay, int AfterEvents);
