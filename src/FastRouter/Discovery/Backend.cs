using System.Text;
using System.Text.Json;

namespace FastRouter.Discovery;

/// <summary>
/// One backend pod: its address, role, model, and its own pool of connections. Everything the hot path
/// needs per request (URIs, the host as JSON, the auth header) is computed once here.
/// </summary>
internal sealed class Backend : IDisposable
{
    private long _requests;
    private long _failures;
    private int _inFlight;

    public Backend(Uri baseUri, BackendRole role, string? model, HttpMessageInvoker invoker)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        BaseUri = baseUri;
        Role = role;
        Model = model;
        Invoker = invoker;
        Name = baseUri.GetLeftPart(UriPartial.Authority);
        ChatCompletionsUri = new Uri(baseUri, "/v1/chat/completions");
        CompletionsUri = new Uri(baseUri, "/v1/completions");
        ModelsUri = new Uri(baseUri, "/v1/models");
        Host = baseUri.DnsSafeHost;
        HostJson = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(Host, Protocol.RouterJsonContext.Default.String));
    }

    /// <summary>The pod's URL without path, as shown in logs: <c>http://10.0.0.5:8000</c>.</summary>
    public string Name { get; }

    public Uri BaseUri { get; }

    public BackendRole Role { get; }

    /// <summary>The model this pod serves, when known; null means any.</summary>
    public string? Model { get; }

    /// <summary>Sends requests over this pod's own connection pool.</summary>
    public HttpMessageInvoker Invoker { get; }

    public Uri ChatCompletionsUri { get; }

    public Uri CompletionsUri { get; }

    public Uri ModelsUri { get; }

    /// <summary>The pod's host (IPv6 without brackets), what a decode pod must reach for the KV side channel.</summary>
    public string Host { get; }

    /// <summary><see cref="Host"/> as a JSON string literal, spliced into kv_transfer_params.remote_host.</summary>
    public ReadOnlyMemory<byte> HostJson { get; }

    public int InFlight => Volatile.Read(ref _inFlight);

    public long Requests => Interlocked.Read(ref _requests);

    public long Failures => Interlocked.Read(ref _failures);

    public void OnRequestStarted()
    {
        Interlocked.Increment(ref _inFlight);
        Interlocked.Increment(ref _requests);
    }

    public void OnRequestFinished(bool failed)
    {
        Interlocked.Decrement(ref _inFlight);
        if (failed)
        {
            Interlocked.Increment(ref _failures);
        }
    }

    public void Dispose() => Invoker.Dispose();
}
