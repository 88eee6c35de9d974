namespace FastRouter.Telemetry;

/// <summary>Where in the flow the client went away; the <c>phase</c> label of <c>fastrouter_client_disconnects_total</c>.</summary>
internal enum DisconnectPhase
{
    /// <summary>While the router read the request body (step 1).</summary>
    Request,

    /// <summary>During the prefill leg (step 4).</summary>
    Prefill,

    /// <summary>After prefill answered, before decode's first byte (steps 5-6).</summary>
    Handoff,

    /// <summary>While the decode answer was being relayed (step 7).</summary>
    Decode,

    /// <summary>While the request waited in the router's queue (step 3b), before any pod saw it.</summary>
    Queue,
}
