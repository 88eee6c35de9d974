// The executable only hands the command line to the library, so the tests run
// exactly the code the AOT binary runs.
return await FastRouter.Hosting.FastRouterProgram.RunAsync(args).ConfigureAwait(false);
