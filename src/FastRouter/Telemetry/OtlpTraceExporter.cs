using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using FastRouter.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FastRouter.Telemetry;

/// <summary>
/// --otel-endpoint: listens to <see cref="RouterTracing.Source"/>, queues finished spans (bounded: when the
/// collector is slow, spans are dropped and counted, requests never wait), and POSTs them in batches to
/// <c>{endpoint}/v1/traces</c> as OTLP/HTTP JSON written by <see cref="OtlpJsonWriter"/> (no protobuf or gRPC stack,
/// no reflection: AOT-clean). Every span is sampled, continuing the client's sampling decision only as its parent.
/// </summary>
internal sealed partial class OtlpTraceExporter : BackgroundService
{
    private const int MaxQueued = 4096;
    private const int MaxBatch = 512;

    private readonly ConcurrentQueue<Activity> _queue = new();
    private readonly ActivityListener _listener;
    private readonly HttpClient _client;
    private readonly Uri _tracesUri;
    private readonly string _serviceName;
    private readonly TimeSpan _interval;
    private readonly ILogger<OtlpTraceExporter> _logger;
    private readonly SemaphoreSlim _signal = new(0);
    private int _queued;
    private long _dropped;
    private long _exported;

    public OtlpTraceExporter(RouterOptions options, ILogger<OtlpTraceExporter> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        _tracesUri = TracesUri(options.OtelEndpoint ?? throw new ArgumentException("--otel-endpoint is not set.", nameof(options)));
        _serviceName = options.OtelServiceName;
        _interval = options.OtelExportInterval;
        _client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
        _listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name == RouterTracing.SourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Spans sent to the collector so far.</summary>
    public long Exported => Interlocked.Read(ref _exported);

    /// <summary>Spans dropped because the queue was full or the collector failed.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary><c>http://host:4318</c> → <c>http://host:4318/v1/traces</c>; a URL already ending in /v1/traces is kept.</summary>
    public static Uri TracesUri(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        string text = endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return new Uri(text.EndsWith("/v1/traces", StringComparison.Ordinal) ? text : text + "/v1/traces");
    }

    public override void Dispose()
    {
        _listener.Dispose();
        _client.Dispose();
        _signal.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(_interval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            await ExportQueuedAsync(stoppingToken).ConfigureAwait(false);
        }

        // Shutting down: one last attempt, briefly, for what is queued.
        using var last = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await ExportQueuedAsync(last.Token).ConfigureAwait(false);
    }

    /// <summary>Sends everything queued, in batches; failures drop the batch (logged), never retry forever.</summary>
    internal async Task ExportQueuedAsync(CancellationToken cancellationToken)
    {
        var batch = new List<Activity>(MaxBatch);
        while (!_queue.IsEmpty)
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.TryDequeue(out Activity? activity))
            {
                Interlocked.Decrement(ref _queued);
                batch.Add(activity);
            }

            try
            {
                using var content = new ByteArrayContent(OtlpJsonWriter.Write(batch, _serviceName));
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using HttpResponseMessage response = await _client.PostAsync(_tracesUri, content, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Add(ref _exported, batch.Count);
                }
                else
                {
                    Interlocked.Add(ref _dropped, batch.Count);
                    Log.ExportRejected(_logger, _tracesUri, (int)response.StatusCode, batch.Count);
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or IOException)
            {
                Interlocked.Add(ref _dropped, batch.Count);
                Log.ExportFailed(_logger, _tracesUri, exception.Message, batch.Count);
                return;
            }
        }
    }

    private void Enqueue(Activity activity)
    {
        if (!activity.Recorded)
        {
            return;
        }

        if (Interlocked.Increment(ref _queued) > MaxQueued)
        {
            Interlocked.Decrement(ref _queued);
            Interlocked.Increment(ref _dropped);
            return;
        }

        _queue.Enqueue(activity);
        if (Volatile.Read(ref _queued) >= MaxBatch)
        {
            _signal.Release();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(300, LogLevel.Warning, "OTLP export to {Endpoint} answered {Status}; {Count} spans dropped")]
        public static partial void ExportRejected(ILogger logger, Uri endpoint, int status, int count);

        [LoggerMessage(301, LogLevel.Warning, "OTLP export to {Endpoint} failed: {Reason}; {Count} spans dropped")]
        public static partial void ExportFailed(ILogger logger, Uri endpoint, string reason, int count);
    }
}
