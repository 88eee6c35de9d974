using FastRouter.LoadTests;

return await LoadTestProgram.RunAsync(args).ConfigureAwait(false);
