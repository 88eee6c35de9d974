using System.Text.Json;
using FastRouter.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastRouter.Discovery.Kubernetes;

/// <summary>
/// Kubernetes pod discovery (--service-discovery k8s): lists the pods of a namespace that match the label selector,
/// then watches them, and publishes a <see cref="RoutingTable"/> of the routable ones after every change.
/// <list type="number">
/// <item>List: <c>GET /api/v1/namespaces/{ns}/pods?labelSelector=</c>; the table is replaced; <see cref="IsSynchronized"/> becomes true.</item>
/// <item>Watch from the list's resourceVersion; each ADDED/MODIFIED/DELETED event updates the table at once;
/// BOOKMARK only advances the resourceVersion.</item>
/// <item>A watch that ends (the server's timeoutSeconds, a proxy) resumes from the last resourceVersion;
/// 410 Gone (as a status or an ERROR event) goes back to step 1.</item>
/// <item>Any other failure: capped exponential backoff, keeping the last known pods, and try again.</item>
/// </list>
/// Routing state (this class's partial <c>.Pods</c> file) changes under one lock, off the hot path; requests only
/// read <see cref="Current"/>.
/// </summary>
internal sealed partial class KubernetesDiscovery : IBackendDiscovery
{
    private readonly RouterOptions _options;
    private readonly KubernetesDiscoverySettings _settings;
    private readonly KubernetesConnection _connection;
    private readonly PodApi _api;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string? _modelProbeAuthorization;
    private readonly CancellationTokenSource _stopping = new();
    private RoutingTable _current = RoutingTable.Empty;
    private volatile bool _synchronized;
    private Task _loop = Task.CompletedTask;
    private ITimer? _drainTimer;
    private string? _resourceVersion;
    private bool _mustList = true;
    private int _watchEvents;
    private bool _disposed;
    private Backoff _backoff = null!;

    /// <exception cref="KubernetesConfigurationException">No usable credentials.</exception>
    public KubernetesDiscovery(RouterOptions options, KubernetesDiscoverySettings settings, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(settings);
        _options = options;
        _settings = settings;
        _time = settings.TimeProvider;
        _modelProbeAuthorization = string.IsNullOrEmpty(options.BackendApiKey) ? null : "Bearer " + options.BackendApiKey;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("FastRouter.Discovery.Kubernetes");
        _connection = KubernetesConnection.Create(settings.Environment);
        Namespace = !string.IsNullOrWhiteSpace(options.KubernetesNamespace) ? options.KubernetesNamespace.Trim() : _connection.DefaultNamespace ?? "default";
        _api = new PodApi(_connection, Namespace, options.KubernetesLabelSelector);
        _retired = new RetiredBackends(_time, settings.EffectiveRetireGrace(options));
    }

    public RoutingTable Current => Volatile.Read(ref _current);

    /// <summary>False until the first successful list; then true for good (API errors later keep the last pods).</summary>
    public bool IsSynchronized => _synchronized;

    /// <summary>The namespace watched: --k8s-namespace, else the pod's own (or the kubeconfig context's), else "default".</summary>
    public string Namespace { get; }

    /// <summary>The API server this discovery talks to.</summary>
    public Uri ServerUri => _connection.ServerUri;

    /// <summary>Removed pods whose connection pools are not disposed yet (still draining).</summary>
    public int RetiredCount => _retired.Count;

    /// <summary>For the process: credentials from the pod's service account or the kubeconfig, logs through the host's logging.</summary>
    public static KubernetesDiscovery CreateForProcess(RouterOptions options, ILoggerFactory loggerFactory) =>
        new(options, new KubernetesDiscoverySettings(), loggerFactory);

    /// <summary>Starts the list/watch loop in the background and returns at once: start-up never waits for the API server.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Log.Starting(_logger, Namespace, _options.KubernetesLabelSelector, _options.KubernetesPort, _connection.ServerUri.ToString(), _connection.Source);
        _drainTimer = _time.CreateTimer(_ => DisposeDrained(), null, _settings.DrainPollInterval, _settings.DrainPollInterval);
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected: the loop was told to stop.
        }

        if (_drainTimer is not null)
        {
            await _drainTimer.DisposeAsync().ConfigureAwait(false);
        }

        DisposePods();
        _connection.Dispose();
        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var backoff = new Backoff(_settings.InitialBackoff, _settings.MaxBackoff, _settings.Random);
        _backoff = backoff;
        while (!stopping.IsCancellationRequested)
        {
            bool softFailure = false;
            bool listing = _mustList || _resourceVersion is null;
            try
            {
                if (listing)
                {
                    await ListAsync(stopping).ConfigureAwait(false);
                    listing = false;
                    Recovered(backoff);
                }

                long started = _time.GetTimestamp();
                _watchEvents = 0;
                await WatchAsync(stopping).ConfigureAwait(false);

                // A watch that ends at once with nothing in it must not become a busy loop.
                softFailure = _watchEvents == 0 && !_mustList && _time.GetElapsedTime(started) < _settings.MinimumWatchDuration;
                if (!_mustList)
                {
                    Log.WatchEnded(_logger, _resourceVersion ?? "");
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (KubernetesApiException exception) when (exception.IsGone && !listing)
            {
                Log.WatchExpired(_logger, _resourceVersion ?? "");
                _mustList = true;
                continue;
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException or JsonException or KubernetesApiException or OperationCanceledException or ObjectDisposedException)
            {
                TimeSpan delay = backoff.Next();
                string error = exception is OperationCanceledException ? "timed out" : exception.Message;
                if (backoff.Attempts == 1)
                {
                    Log.ApiFailing(_logger, error, Current.Backends.Length, (long)delay.TotalMilliseconds);
                }
                else
                {
                    Log.ApiStillFailing(_logger, backoff.Attempts, error, (long)delay.TotalMilliseconds);
                }

                if (!await DelayAsync(delay, stopping).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            if (softFailure && !await DelayAsync(_settings.InitialBackoff, stopping).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    private async Task ListAsync(CancellationToken stopping)
    {
        using var timeout = new CancellationTokenSource(_settings.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        PodList list = await _api.ListAsync(linked.Token).ConfigureAwait(false);
        int routable = ApplyList(list.Pods);
        _resourceVersion = list.ResourceVersion;
        _mustList = false;
        _synchronized = true;
        Log.Listed(_logger, list.Pods.Count, routable, list.ResourceVersion);
    }

    private async Task WatchAsync(CancellationToken stopping)
    {
        // Headers must come within the request timeout; after that the server's own timeoutSeconds ends the watch,
        // and a generous client-side bound catches a connection that silently died.
        using var headers = new CancellationTokenSource(_settings.RequestTimeout, _time);
        using var whole = new CancellationTokenSource(TimeSpan.FromSeconds(_settings.WatchTimeoutSeconds) + TimeSpan.FromSeconds(60), _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, headers.Token, whole.Token);
        await _api.WatchAsync(_resourceVersion!, _settings.WatchTimeoutSeconds, OnWatchEvent, headers, () => Recovered(_backoff), linked.Token).ConfigureAwait(false);
    }

    /// <summary>Called on the watch loop only, once per event line.</summary>
    private bool OnWatchEvent(WatchEvent watchEvent)
    {
        _watchEvents++;
        switch (watchEvent.Type)
        {
            case WatchEventType.Added or WatchEventType.Modified when watchEvent.Pod is { } pod:
                ApplyPod(pod);
                break;
            case WatchEventType.Deleted when watchEvent.Pod is { } pod:
                RemovePod(pod.Name, pod);
                break;
            case WatchEventType.Bookmark:
                Log.Bookmark(_logger, watchEvent.ResourceVersion ?? "");
                break;
            case WatchEventType.Error when watchEvent.ErrorCode == 410:
                Log.WatchExpired(_logger, _resourceVersion ?? "");
                _mustList = true;
                return false;
            case WatchEventType.Error:
                throw new KubernetesApiException(watchEvent.ErrorCode, "watch ERROR " + watchEvent.ErrorCode + ": " + watchEvent.ErrorMessage);
            default:
                Log.UnexpectedEvent(_logger, watchEvent.Type.ToString());
                break;
        }

        if (watchEvent.ResourceVersion is { Length: > 0 } resourceVersion)
        {
            _resourceVersion = resourceVersion;
        }

        return true;
    }

    private void Recovered(Backoff backoff)
    {
        if (backoff.Attempts > 0)
        {
            Log.ApiRecovered(_logger, backoff.Attempts, Current.Backends.Length);
            backoff.Reset();
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
