namespace FastRouter.Simulation;

/// <summary>What a prefill simulator tells decode about where its KV blocks are: fixed for the simulator's life.</summary>
internal sealed record KvAdvertisement(KvParamsShape Shape, string Host, int Port, string EngineId);
