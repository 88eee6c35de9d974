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
    public RoutingTable(IReadOnlyList<Backend> backends, bool modelAware)
    {
        ArgumentNullException.ThrowIfNull(backends);
        Backends = [.. backends];
        ModelAware = modelAware;
        AnyModel = new ModelRoute(null, Select(backends, BackendRole.Prefill, null), Select(backends, BackendRole.Decode, null));
        _byModel = new Dictionary<string, ModelRoute>(StringComparer.Ordinal);
        foreach (Backend backend in backends)
        {
            if (backend.Model is { } model && !_byModel.ContainsKey(model))
            {
                _byModel[model] = new ModelRoute(model, Select(backends, BackendRole.Prefill, model), Select(backends, BackendRole.Decode, model));
            }
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

        return _byModelSpan.TryGetValue(name[..length], out ModelRoute? route) ? route : null;
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

    private static Backend[] Select(IReadOnlyList<Backend> backends, BackendRole role, string? model)
    {
        var selected = new List<Backend>();
        foreach (Backend backend in backends)
        {
            if (backend.Role == role && (model is null || backend.Model == model))
            {
                selected.Add(backend);
            }
        }

        return [.. selected];
    }
}
