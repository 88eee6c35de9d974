namespace FastRouter.Configuration;

/// <summary>One entry of --static-backends with the model and label at the same position.</summary>
/// <param name="Url">The backend's base URL, for example <c>http://10.0.0.5:8000</c>.</param>
/// <param name="Model">The model it serves, from --static-models; null when that flag was not given.</param>
/// <param name="Label">Its model label from --static-model-labels, matched against the prefill and decode lists.</param>
internal sealed record StaticBackendOptions(Uri Url, string? Model, string? Label);
