namespace FastRouter.Balancing;

/// <summary>
/// What a pick weighs of the request, all from its text (<see cref="Protocol.RequestScan"/>), so every router
/// replica weighs it alike.
/// </summary>
/// <param name="Order">The key whose rendezvous order the pods are tried in (the prefix key for prefill, the conversation key for decode); 0 for none.</param>
/// <param name="Spread">
/// For prefill, the conversation key: where in the bound's slack the request's own threshold sits, so that a pod over
/// its share sheds whole conversations, the same ones in every replica, rather than random requests; 0 for none.
/// </param>
/// <param name="PromptTokens">The prompt's estimated tokens, counted as work sent to the prefill pod picked; 0 for decode.</param>
internal readonly record struct PickKeys(ulong Order, ulong Spread = 0, int PromptTokens = 0);
