namespace FastRouter.LoadTests.Http;

internal enum RequestOutcome
{
    Succeeded,
    Failed,

    /// <summary>Cut by the end of the run (drain timeout or Ctrl+C): neither a success nor the target's fault.</summary>
    Cancelled,
}
