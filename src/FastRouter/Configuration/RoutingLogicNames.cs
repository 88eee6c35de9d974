namespace FastRouter.Configuration;

/// <summary>Values of --routing-logic that FastRouter accepts.</summary>
internal static class RoutingLogicNames
{
    public const string DisaggregatedPrefillOrchestrated = "disaggregated_prefill_orchestrated";
}
