using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace FastRouter.Simulation;

/// <summary>
/// A stand-in for one vLLM pod of a disaggregated pair, speaking its OpenAI API over real Kestrel sockets.
/// A prefill simulator also runs a KV side channel on a second port. Split by concern: this file holds the
/// lifetime and public surface, <c>.Dispatch</c> the small endpoints, <c>.Completions</c> the generation path.
/// </summary>
internal sealed partial class VllmSimulator : IAsyncDisposable
{
    private readonly SimulatorOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly RequestRecorder _recorder;
    private readonly KvLeaseTable? _leases;
    private readonly KvSideChannelClient _kvClient;
    private readonly EngineModel? _engine;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly string _engineId;
    private readonly long _startedAtUnixSeconds;
    private KestrelEndpoint? _api;
    private KestrelEndpoint? _sideChannel;
    private KvAdvertisement? _advertisement;
    private Task? _stopTask;
    private int _running;
    private int _disposed;
    private volatile bool _metricsHang;

    private VllmSimulator(SimulatorOptions options)
    {
        _options = options;
        _timeProvider = options.TimeProvider;
        _recorder = new RequestRecorder(options.RecordedRequestLimit);
        _engineId = Guid.NewGuid().ToString("D", CultureInfo.InvariantCulture);
        _startedAtUnixSeconds = _timeProvider.GetUtcNow().ToUnixTimeSeconds();
        _kvClient = new KvSideChannelClient(options.KvPullConnectTimeout);
        if (options.Role == SimulatorRole.Prefill)
        {
            _leases = new KvLeaseTable(_timeProvider, options.KvLeaseDuration, Stats);
        }

        if (options.CacheBlocks > 0)
        {
            _engine = new EngineModel(options, Stats);
        }

        _metricsHang = options.MetricsHang;
    }

    public SimulatorOptions Options => _options;

    public SimulatorRole Role => _options.Role;

    /// <summary>The OpenAI API root, with the bound port, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public int Port { get; private set; }

    /// <summary>The KV side channel's bound port; 0 for a decode simulator, which has none.</summary>
    public int SideChannelPort { get; private set; }

    /// <summary>The <c>remote_engine_id</c> this simulator advertises and checks on its side channel.</summary>
    public string EngineId => _engineId;

    /// <summary>Blocks the engine model's prefix cache holds (0 without the model).</summary>
    public int EngineCacheBlocksUsed => _engine?.Cache.UsedBlocks ?? 0;

    public SimulatorStats Stats { get; } = new();

    public SimulatorFaults Faults { get; } = new();

    /// <summary>A snapshot, oldest first, of the last <see cref="SimulatorOptions.RecordedRequestLimit"/> requests.</summary>
    public IReadOnlyList<RecordedRequest> ReceivedRequests => _recorder.Snapshot();

    /// <summary>KV blocks a prefill simulator still holds for decode (expired leases excluded).</summary>
    public int HeldKvBlocks => _leases?.HeldBlocks ?? 0;

    public int HeldKvLeases => _leases?.HeldLeases ?? 0;

    /// <summary>The request ids whose KV blocks this pod still holds.</summary>
    public string[] HeldKvRequestIds => _leases?.HeldRequestIds ?? [];

    /// <summary>The engine model's prefix cache; null when <see cref="SimulatorOptions.CacheBlocks"/> is 0.</summary>
    public PrefixCache? PrefixCache => _engine?.Cache;

    /// <summary>Prefill requests queued behind the running batch (engine model only; 0 otherwise).</summary>
    public int WaitingRequests => _engine?.Waiting ?? 0;

    /// <summary>Whether <c>/metrics</c> hangs (never answers) while the pod keeps serving; settable at run time.</summary>
    public bool MetricsHang
    {
        get => _metricsHang;
        set => _metricsHang = value;
    }

    /// <summary>Completion requests being served right now.</summary>
    public int RunningRequests => Volatile.Read(ref _running);

    public static async Task<VllmSimulator> StartAsync(SimulatorOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var simulator = new VllmSimulator(options);
        try
        {
            await simulator.StartCoreAsync(cancellationToken).ConfigureAwait(false);
            return simulator;
        }
        catch
        {
            await simulator.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Stops both listeners: afterwards connections are refused, which is how tests simulate a dead pod.
    /// Requests still running (a hang fault, a long stream) are cancelled first so the stop does not wait on them.
    /// Idempotent.
    /// </summary>
    public Task StopAsync()
    {
        lock (_gate)
        {
            return _stopTask ??= StopCoreAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_api is not null)
        {
            await _api.DisposeAsync().ConfigureAwait(false);
        }

        if (_sideChannel is not null)
        {
            await _sideChannel.DisposeAsync().ConfigureAwait(false);
        }

        _leases?.Dispose();
        _engine?.Dispose();
        _kvClient.Dispose();
        _stopping.Dispose();
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        if (_leases is not null)
        {
            var sideChannel = new KvSideChannelServer(_leases, _engineId, Stats);
            _sideChannel = await KestrelEndpoint.StartAsync(_options.Host, _options.SideChannelPort, _options.KeepAliveTimeout, sideChannel.HandleAsync, cancellationToken).ConfigureAwait(false);
            SideChannelPort = _sideChannel.Port;
            _advertisement = new KvAdvertisement(_options.KvShape, _options.AdvertisedSideChannelHost, SideChannelPort, _engineId);
        }

        _api = await KestrelEndpoint.StartAsync(_options.Host, _options.Port, _options.KeepAliveTimeout, HandleAsync, cancellationToken).ConfigureAwait(false);
        Port = _api.Port;
        string host = _options.Host is "*" or "+" or "0.0.0.0" ? "127.0.0.1" : _options.Host is "::" ? "::1" : _options.Host;
        BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://{RemoteKvParams.HostForUri(host)}:{Port}"), UriKind.Absolute);
    }

    private async Task StopCoreAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_api is not null)
        {
            await _api.StopAsync().ConfigureAwait(false);
        }

        if (_sideChannel is not null)
        {
            await _sideChannel.StopAsync().ConfigureAwait(false);
        }
    }

    private static void Validate(SimulatorOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Host);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Model);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.AdvertisedSideChannelHost);
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PrefillBaseLatency, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(options.PrefillTokensPerSecond);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.InterTokenLatency, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.KvPullDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.KvLeaseDuration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DefaultMaxTokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxModelLen, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(options.RecordedRequestLimit);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.KvBlockSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.TotalKvBlocks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.KeepAliveTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.KvPullConnectTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(options.CacheBlocks);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BlockTokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchTokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.InterTokenLatencyPerStream, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(options.KvPullTokensPerSecond);
    }
}
