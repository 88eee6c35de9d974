namespace FastRouter.Disaggregation;

/// <summary>
/// How one request is served, and why: the labels <c>decision</c> and <c>reason</c> of
/// <c>fastrouter_disaggregation_decisions_total</c>, the request span's attributes, and (decode-only) its log line.
/// </summary>
internal enum DisaggregationDecision
{
    /// <summary>prefill→decode, the seed's contract (decision <c>disaggregated</c>, reason <c>default</c>).</summary>
    Disaggregated,

    /// <summary>
    /// The decode pod alone: the prompt's uncached part on it is below --decode-only-below-tokens (decision
    /// <c>decode_only</c>, reason <c>short_uncached</c>).
    /// </summary>
    DecodeOnlyShortUncached,

    /// <summary>
    /// The decode pod alone: no prefill pod could take the request, under --decode-only-without-prefill (decision
    /// <c>decode_only</c>, reason <c>no_prefill</c>).
    /// </summary>
    DecodeOnlyNoPrefill,
}
