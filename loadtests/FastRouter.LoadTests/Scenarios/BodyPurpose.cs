namespace FastRouter.LoadTests.Scenarios;

/// <summary>Which call a request body is for.</summary>
internal enum BodyPurpose
{
    /// <summary>What a client sends to the router (and what direct mode sends to decode, plus the KV params).</summary>
    Client,

    /// <summary>Direct mode's first leg: the prefill pod, one token, no stream, asking for remote decode.</summary>
    DirectPrefill,
}
