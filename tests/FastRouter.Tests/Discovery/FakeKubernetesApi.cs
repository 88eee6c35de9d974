using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace FastRouter.Tests.Discovery;

/// <summary>
/// An in-process Kubernetes API server for pods, on Kestrel loopback, speaking the real wire format: a PodList
/// for list, and for <c>watch=true</c> a chunked response of one JSON event per line. Tests drive it: change
/// pods (each change is an event with a new resourceVersion, replayed to a watch that resumes from an older
/// one), send bookmarks and 410 errors, close watches, answer 500s, stop listening and come back.
/// </summary>
internal sealed class FakeKubernetesApi : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, JsonObject> _pods = new(StringComparer.Ordinal);
    private readonly List<(long Version, string Line)> _history = [];
    private readonly List<Channel<string>> _watches = [];
    private readonly FakeKubernetesApiOptions _options;
    private WebApplication? _app;
    private long _version = 1000;
    private long _oldestWatchable;

    private FakeKubernetesApi(FakeKubernetesApiOptions options) => _options = options;

    public Uri BaseAddress { get; private set; } = null!;

    public int Port { get; private set; }

    public ConcurrentQueue<RecordedApiRequest> Requests { get; } = new();

    /// <summary>When true every request gets 500 (the API server is up but failing).</summary>
    public bool Failing { get; set; }

    public string? LastClientCertificateSubject { get; private set; }

    public long CurrentVersion
    {
        get
        {
            lock (_gate)
            {
                return _version;
            }
        }
    }

    public int ActiveWatches
    {
        get
        {
            lock (_gate)
            {
                return _watches.Count;
            }
        }
    }

    public IEnumerable<RecordedApiRequest> Lists => Requests.Where(r => !r.IsWatch);

    public IEnumerable<RecordedApiRequest> Watches => Requests.Where(r => r.IsWatch);

    public static async Task<FakeKubernetesApi> StartAsync(FakeKubernetesApiOptions? options = null)
    {
        var api = new FakeKubernetesApi(options ?? new FakeKubernetesApiOptions());
        await api.ListenAsync(0);
        return api;
    }

    /// <summary>Adds or replaces a pod; an ADDED or MODIFIED event goes to the watches.</summary>
    public void SetPod(JsonObject pod, bool broadcast = true)
    {
        string name = pod["metadata"]!["name"]!.GetValue<string>();
        lock (_gate)
        {
            bool existed = _pods.ContainsKey(name);
            _version++;
            pod["metadata"]!["resourceVersion"] = _version.ToString(CultureInfo.InvariantCulture);
            _pods[name] = pod;
            if (broadcast)
            {
                EmitLocked(existed ? "MODIFIED" : "ADDED", pod);
            }
        }
    }

    public JsonObject GetPod(string name)
    {
        lock (_gate)
        {
            return (JsonObject)_pods[name].DeepClone();
        }
    }

    /// <summary>Changes a copy of the pod and stores it as a MODIFIED event.</summary>
    public void ModifyPod(string name, Action<JsonObject> change, bool broadcast = true)
    {
        JsonObject pod = GetPod(name);
        change(pod);
        SetPod(pod, broadcast);
    }

    public void DeletePod(string name)
    {
        lock (_gate)
        {
            if (_pods.Remove(name, out JsonObject? pod))
            {
                _version++;
                pod["metadata"]!["resourceVersion"] = _version.ToString(CultureInfo.InvariantCulture);
                EmitLocked("DELETED", pod);
            }
        }
    }

    /// <summary>A BOOKMARK with a new resourceVersion (no pod changed).</summary>
    public long SendBookmark()
    {
        lock (_gate)
        {
            _version++;
            var bookmark = new JsonObject
            {
                ["kind"] = "Pod",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject { ["resourceVersion"] = _version.ToString(CultureInfo.InvariantCulture) },
            };
            string line = new JsonObject { ["type"] = "BOOKMARK", ["object"] = bookmark }.ToJsonString();
            foreach (Channel<string> watch in _watches)
            {
                watch.Writer.TryWrite(line);
            }

            return _version;
        }
    }

    /// <summary>
    /// Compacts history (any older resourceVersion now answers 410) and sends each open watch an ERROR 410 event,
    /// then ends it, as etcd compaction does.
    /// </summary>
    public void ExpireWatches()
    {
        lock (_gate)
        {
            _oldestWatchable = _version;
            _history.Clear();
            foreach (Channel<string> watch in _watches)
            {
                watch.Writer.TryWrite(GoneLine);
                watch.Writer.TryComplete();
            }
        }
    }

    /// <summary>Ends every open watch cleanly, as the API server does at timeoutSeconds.</summary>
    public void CloseWatches()
    {
        lock (_gate)
        {
            foreach (Channel<string> watch in _watches)
            {
                watch.Writer.TryComplete();
            }
        }
    }

    /// <summary>Stops listening (connections refused) until <see cref="ResumeListeningAsync"/>.</summary>
    public async Task StopListeningAsync()
    {
        CloseWatches();
        WebApplication? app = _app;
        _app = null;
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public Task ResumeListeningAsync() => ListenAsync(Port);

    public async ValueTask DisposeAsync() => await StopListeningAsync();

    private static string GoneLine => new JsonObject
    {
        ["type"] = "ERROR",
        ["object"] = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["status"] = "Failure",
            ["message"] = "too old resource version",
            ["reason"] = "Expired",
            ["code"] = 410,
        },
    }.ToJsonString();

    private void EmitLocked(string type, JsonObject pod)
    {
        string line = new JsonObject { ["type"] = type, ["object"] = pod.DeepClone() }.ToJsonString();
        _history.Add((_version, line));
        foreach (Channel<string> watch in _watches)
        {
            watch.Writer.TryWrite(line);
        }
    }

    private async Task ListenAsync(int port)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port, listen =>
            {
                if (_options.ServerCertificate is { } certificate)
                {
                    listen.UseHttps(https =>
                    {
                        https.ServerCertificate = certificate;
                        if (_options.ClientCertificateAuthority is { } authority)
                        {
                            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                            https.ClientCertificateValidation = (client, _, _) => TestCertificates.IsIssuedBy(client, authority);
                        }
                    });
                }
            });
        });

        WebApplication app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync();
        _app = app;
        Port = port == 0 ? new Uri(app.Urls.First()).Port : port;
        BaseAddress = new Uri((_options.ServerCertificate is null ? "http" : "https") + "://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture) + "/");
    }

    private async Task HandleAsync(HttpContext context)
    {
        HttpRequest request = context.Request;
        bool isWatch = request.Query["watch"] == "true";
        var recorded = new RecordedApiRequest(
            request.Path.Value ?? "",
            request.QueryString.Value ?? "",
            request.Query.ContainsKey("labelSelector") ? request.Query["labelSelector"].ToString() : null,
            request.Headers.Authorization.ToString(),
            isWatch,
            request.Query["resourceVersion"].ToString());
        Requests.Enqueue(recorded);
        if (context.Connection.ClientCertificate is { } client)
        {
            LastClientCertificateSubject = client.Subject;
        }

        if (Failing)
        {
            await WriteStatusAsync(context.Response, 500, "InternalError", "etcdserver: leader changed");
            return;
        }

        if (_options.RequiredToken is { } token && recorded.Authorization != "Bearer " + token)
        {
            await WriteStatusAsync(context.Response, 401, "Unauthorized", "Unauthorized");
            return;
        }

        if (!request.Path.StartsWithSegments("/api/v1/namespaces", StringComparison.Ordinal) || !request.Path.Value!.EndsWith("/pods", StringComparison.Ordinal))
        {
            await WriteStatusAsync(context.Response, 404, "NotFound", "not found");
            return;
        }

        if (isWatch)
        {
            await WatchAsync(context, recorded.ResourceVersion);
            return;
        }

        JsonArray items;
        long version;
        lock (_gate)
        {
            items = [.. _pods.Values.OrderBy(p => p["metadata"]!["name"]!.GetValue<string>(), StringComparer.Ordinal).Select(p => (JsonNode)p.DeepClone())];
            version = _version;
        }

        var list = new JsonObject
        {
            ["kind"] = "PodList",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture) },
            ["items"] = items,
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(list.ToJsonString());
    }

    private async Task WatchAsync(HttpContext context, string resourceVersion)
    {
        var channel = Channel.CreateUnbounded<string>();
        lock (_gate)
        {
            long from = long.TryParse(resourceVersion, CultureInfo.InvariantCulture, out long parsed) ? parsed : 0;
            if (from < _oldestWatchable)
            {
                channel.Writer.TryWrite(GoneLine);
                channel.Writer.TryComplete();
            }
            else
            {
                foreach ((long version, string line) in _history)
                {
                    if (version > from)
                    {
                        channel.Writer.TryWrite(line);
                    }
                }

                _watches.Add(channel);
            }
        }

        try
        {
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync(context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await foreach (string line in channel.Reader.ReadAllAsync(context.RequestAborted))
            {
                await context.Response.WriteAsync(line + "\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
        finally
        {
            lock (_gate)
            {
                _watches.Remove(channel);
            }
        }
    }

    private static async Task WriteStatusAsync(HttpResponse response, int code, string reason, string message)
    {
        response.StatusCode = code;
        response.ContentType = "application/json";
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        };
        await response.WriteAsync(status.ToJsonString(), Encoding.UTF8);
    }
}
