using FastRouter.Configuration;

namespace FastRouter.Benchmarks;

/// <summary>Router options for one prefill and one decode pod of model "m", never called: for benchmarks of code that only needs the pods to exist.</summary>
internal static class TwoPodOptions
{
    public static RouterOptions Create() => new()
    {
        StaticBackends =
        [
            new StaticBackendOptions(new Uri("http://10.0.0.1:8000"), "m", "prefill"),
            new StaticBackendOptions(new Uri("http://10.0.0.2:8000"), "m", "decode"),
        ],
        PrefillModelLabels = ["prefill"],
        DecodeModelLabels = ["decode"],
    };
}
