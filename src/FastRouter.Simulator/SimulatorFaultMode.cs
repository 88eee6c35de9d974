namespace FastRouter.Simulation;

/// <summary>A failure the simulator can be told to produce on its completion endpoints.</summary>
internal enum SimulatorFaultMode
{
    None,

    /// <summary>Answers 500 <c>InternalServerError</c> before any work.</summary>
    Status500,

    /// <summary>Answers 503 <c>ServiceUnavailableError</c>, as an overloaded or draining engine does.</summary>
    Status503,

    /// <summary>Aborts the connection without answering.</summary>
    ResetConnection,

    /// <summary>Never answers; the request ends only when the client gives up or the simulator stops.</summary>
    Hang,

    /// <summary>Adds <see cref="SimulatorFault.Delay"/> before the first token.</summary>
    SlowPrefill,

    /// <summary>Streams <see cref="SimulatorFault.AfterEvents"/> SSE events, then aborts the connection (streams only).</summary>
    DropMidStream,

    /// <summary>Decode answers 500 as if the KV pull failed (only requests carrying remote-prefill params).</summary>
    FailKvPull,

    /// <summary>
    /// A non-streamed answer sends its headers, then waits <c>Delay</c> before its body: a prefill answer is then
    /// "on the wire" with its KV already held, the moment a router must not lose track of it.
    /// </summary>
    SlowAnswerBody,
}
