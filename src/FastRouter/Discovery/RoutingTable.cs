using System.Text.Json;

namespace FastRouter.Discovery;

/// <summary>
/// An immutable snapshot of the known pods, grouped for picking. Discovery publishes a new snapshot when
/// pods change; a request reads one snapshot and never sees a half-updated view.
/// </summary>
internal sealed class RoutingTable
{
    private readonly Dictionary<string, ModelRoute> _byModel;
    private readonly Dictionary<string, ModelRoute>.AlternateLookup<ReadOnlySpan<char>> _byModelSpan;

    /// <param name="backends">Every known pod.</param>
    /// <param name="modelAware">True when pods have known models and a request's model must match one.</param>
    /// <remarks>
    /// A pod whose <see cref="Backend.Models"/> is null (not known yet: Kubernetes discovery is still asking its
    /// /v1/models) serves any model. So, when routing is model-aware: it joins the route of every known model;
    /// a model no known pod serves goes to the unknown pods (a pod that cannot serve it answers 404 itself, which
    /// is what it would have answered without the router); and while no pod's models are known at all, routing
    /// behaves as if not model-aware, so an empty or still-probing fleet answers 503 rather than 404. A 404 from
    /// the router therefore always means: every pod's models are known and none serves that one.
    /// </remarks>
    public RoutingTable(IReadOnlyList<Backend> backends, bool modelAware)
    {
        ArgumentNullException.ThrowIfNull(backends);

        // Read each pod's models once: they may be set concurrently, and the snapshot must stay self-consistent.
        var models = new string[]?[backends.Count];
        for (int i = 0; i < backends.Count; i++)
        {
            models[i] = backends[i].Models;
        }

        Backends = [.. backends];
        ModelAware = modelAware;
        AnyModel = new ModelRoute(null, Select(backends, models, BackendRole.Prefill, null), Select(backends, models, BackendRole.Decode, null));
        _byModel = new Dictionary<string, ModelRoute>(StringComparer.Ordinal);
        bool anyUnknown = false;
        for (int i = 0; i < backends.Count; i++)
        {
            if (models[i] is null)
            {
                anyUnknown = true;
                continue;
            }

            foreach (string model in models[i]!)
            {
                if (!_byModel.ContainsKey(model))
                {
                    _byModel[model] = new ModelRoute(model, Select(backends, models, BackendRole.Prefill, model), Select(backends, models, BackendRole.Decode, model));
                }
            }
        }

        if (anyUnknown)
        {
            UnknownModels = new ModelRoute(null, SelectUnknown(backends, models, BackendRole.Prefill), SelectUnknown(backends, models, BackendRole.Decode));
        }

        _byModelSpan = _byModel.GetAlternateLookup<ReadOnlySpan<char>>();
        Models = [.. _byModel.Keys];
    }

    public static RoutingTable Empty { get; } = new([], modelAware: false);

    public Backend[] Backends { get; }

    public bool ModelAware { get; }

    /// <summary>Every pod, whatever it serves: used when routing is not model-aware or the request names no model.</summary>
    public ModelRoute AnyModel { get; }

    /// <summary>The distinct models the pods serve, in the order they were first seen.</summary>
    public string[] Models { get; }

    /// <summary>The pods whose models are not known yet; null when every pod's models are known.</summary>
    public ModelRoute? UnknownModels { get; }

    public int PrefillCount => AnyModel.Prefill.Length;

    public int DecodeCount => AnyModel.Decode.Length;

    /// <summary>
    /// The route for a request whose model is the JSON string token <paramref name="modelToken"/> (quotes
    /// included), or <see cref="AnyModel"/> when it names none. Null when routing is model-aware and no pod
    /// serves that model.
    /// </summary>
    public ModelRoute? Resolve(ReadOnlySpan<byte> modelToken)
    {
        if (!ModelAware || modelToken.IsEmpty)
        {
            return AnyModel;
        }

        // Model names are short: unescape onto the stack and look up without allocating a string.
        Span<char> name = stackalloc char[Math.Min(modelToken.Length, 512)];
        if (modelToken.Length > 512 || !TryUnescape(modelToken, name, out int length))
        {
            return null;
        }

        if (_byModelSpan.TryGetValue(name[..length], out ModelRoute? route))
        {
            return route;
        }

        // See the constructor's remarks: nothing known yet behaves as not model-aware; unknown pods may serve it.
        return _byModel.Count == 0 ? AnyModel : UnknownModels;
    }

    /// <summary>
    /// The route of a model by name, as <see cref="Resolve"/> finds it for a request naming that model; null when
    /// routing is model-aware and no pod serves it.
    /// </summary>
    public ModelRoute? ResolveModel(string model)
    {
        if (!ModelAware)
        {
            return AnyModel;
        }

        if (_byModel.TryGetValue(model, out ModelRoute? route))
        {
            return route;
        }

        return _byModel.Count == 0 ? AnyModel : UnknownModels;
    }

    /// <summary>The model name of a JSON string token, for messages; allocates, so only off the hot path.</summary>
    public static string DecodeModelName(ReadOnlySpan<byte> modelToken)
    {
        var reader = new Utf8JsonReader(modelToken);
        return reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() ?? "" : "";
    }

    private static bool TryUnescape(ReadOnlySpan<byte> token, Span<char> destination, out int length)
    {
        var reader = new Utf8JsonReader(token);
        if (!reader.Read() || reader.TokenType != JsonTokenType.String)
        {
            length = 0;
            return false;
        }

        // An unescaped string never has more chars than its UTF-8 token has bytes, so destination is large enough.
        length = reader.CopyString(destination);
        return true;
    }

    private static Backend[] Select(IReadOnlyList<Backend> backends, string[]?[] models, BackendRole role, string? model)
    {
        var selected = new List<Backend>();
        for (int i = 0; i < backends.Count; i++)
        {
            // Unknown models (null) serve any model.
            if (backends[i].Role == role && (model is null || models[i] is null || Array.IndexOf(models[i]!, model) >= 0))
            {
                selected.Add(backends[i]);
            }
        }

        return [.. selected];
    }

    private static Backend[] SelectUnknown(IReadOnlyList<Backend> backends, string[]?[] models, BackendRole role)
    {
        var selected = new List<Backend>();
        for (int i = 0; i < backends.Count; i++)
        {
            if (backends[i].Role == role && models[i] is null)
            {
                selected.Add(backends[i]);
            }
        }

        return [.. selected];
    }
}
