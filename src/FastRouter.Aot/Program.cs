// The executable composes the router's library and the simulator (its own project) and hands them the command
// line, so the tests run exactly the code the AOT binary runs.
return await FastRouter.Hosting.FastRouterProgram.RunAsync(args, FastRouter.Simulation.SimulatorCommand.RunAsync, FastRouter.Aot.SimulatedDemoPods.StartAsync).ConfigureAwait(false);
