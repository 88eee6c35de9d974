namespace FastRouter.Proxying;

/// <summary>Which of a request's buffers found no room in the <see cref="BufferBudget"/>: the metric's <c>buffer</c> label.</summary>
internal enum BufferKind
{
    RequestBody,
    PrefillAnswer,
}
