namespace FastRouter.LoadTests.Conversations;

/// <summary>
/// The fleet's figures from every pod's stats and the routers' metrics: hit rates (cached / (cached + computed))
/// per role and overall, each pod's share of its role's mean computed tokens, and the share of client requests
/// that went through prefill (disaggregated).
/// </summary>
internal sealed class FleetWork
{
    public FleetWork(IReadOnlyList<PodWork> pods, long clientRequests, IReadOnlyDictionary<string, double> routerDecisions)
    {
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(routerDecisions);
        Pods = pods;
        ClientRequests = clientRequests;
        RouterDecisions = routerDecisions;
        foreach (string role in (ReadOnlySpan<string>)["prefill", "decode"])
        {
            long computed = 0;
            long cached = 0;
            long requests = 0;
            int count = 0;
            foreach (PodWork pod in pods)
            {
                if (pod.Role == role && pod.Error is null)
                {
                    computed += pod.PromptTokensComputed;
                    cached += pod.PromptTokensCached;
                    requests += pod.Requests;
                    count++;
                }
            }

            double mean = count == 0 ? 0 : (double)computed / count;
            double max = 0;
            foreach (PodWork pod in pods)
            {
                if (pod.Role == role && pod.Error is null)
                {
                    pod.ShareOfRoleMean = mean > 0 ? pod.PromptTokensComputed / mean : 0;
                    max = Math.Max(max, pod.ShareOfRoleMean);
                }
            }

            if (role == "prefill")
            {
                PrefillComputed = computed;
                PrefillCached = cached;
                PrefillRequests = requests;
                MaxPrefillShare = max;
            }
            else
            {
                DecodeComputed = computed;
                DecodeCached = cached;
                DecodeRequests = requests;
                MaxDecodeShare = max;
            }
        }
    }

    public IReadOnlyList<PodWork> Pods { get; }

    public long ClientRequests { get; }

    /// <summary><c>fastrouter_disaggregation_decisions_total</c> summed over the routers, by decision; empty when absent.</summary>
    public IReadOnlyDictionary<string, double> RouterDecisions { get; }

    public long PrefillComputed { get; }

    public long PrefillCached { get; }

    public long PrefillRequests { get; }

    public long DecodeComputed { get; }

    public long DecodeCached { get; }

    public long DecodeRequests { get; }

    /// <summary>The busiest prefill pod's computed tokens over the prefill mean (1 = perfectly even).</summary>
    public double MaxPrefillShare { get; }

    public double MaxDecodeShare { get; }

    public double PrefillHitRate => Rate(PrefillCached, PrefillComputed);

    public double DecodeHitRate => Rate(DecodeCached, DecodeComputed);

    public double HitRate => Rate(PrefillCached + DecodeCached, PrefillComputed + DecodeComputed);

    /// <summary>
    /// From the routers' decision counters when they have them, else prefill requests / client requests
    /// (each disaggregated request costs exactly one prefill request when nothing is retried).
    /// </summary>
    public double DisaggregatedShare
    {
        get
        {
            double disaggregated = RouterDecisions.GetValueOrDefault("disaggregated");
            double total = disaggregated + RouterDecisions.GetValueOrDefault("decode_only");
            if (total > 0)
            {
                return disaggregated / total;
            }

            return ClientRequests == 0 ? 0 : (double)PrefillRequests / ClientRequests;
        }
    }

    private static double Rate(long cached, long computed) => cached + computed == 0 ? 0 : (double)cached / (cached + computed);
}
