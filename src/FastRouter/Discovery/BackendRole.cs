namespace FastRouter.Discovery;

/// <summary>What a pod does in the disaggregated flow.</summary>
internal enum BackendRole
{
    Prefill,
    Decode,
}
