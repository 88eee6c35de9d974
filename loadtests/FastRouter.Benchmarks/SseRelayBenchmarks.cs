using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Proxying;
using FastRouter.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace FastRouter.Benchmarks;

/// <summary>
/// The SSE relay per event: the router's own <see cref="DecodeRelay.RelayAsync"/> loop over a decode answer whose
/// stream hands out one chat-completion chunk per read (what a zero-latency decode pod flushing each event looks
/// like), into a response <see cref="System.IO.Pipelines.PipeWriter"/> over a null stream, one flush per event.
/// Kestrel's socket write is not included; everything the router does per event is. Per-call set-up (context,
/// response message, cancellation source) is amortised over <see cref="Events"/>; the 10-event case shows it.
/// </summary>
[MemoryDiagnoser]
public class SseRelayBenchmarks
{
    private static readonly byte[] Event = Encoding.UTF8.GetBytes(
        "data: {\"id\":\"chatcmpl-0123456789abcdef\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"llama31-8b\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" fox\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n");

    private readonly EventStream _stream = new(Event);
    private readonly DefaultHttpContext _context = new();
    private RouterMetrics _metrics = null!;
    private MetricsEndpoint _endpoint = null!;
    private Backend _decode = null!;

    [Params(10, 1000)]
    public int Events { get; set; }

    /// <summary>With the /metrics collector listening (as in production) or without any listener.</summary>
    [Params(true, false)]
    public bool Metrics { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null));
        RouterOptions options = TwoPodOptions.Create();
        var discovery = new StaticDiscovery(options);
        _metrics = new RouterMetrics(discovery, options);
        if (Metrics)
        {
            _endpoint = new MetricsEndpoint(_metrics);
        }

        _decode = discovery.Current.Backends[1];
    }

    // An exchange whose answer went out on no connection: the relay reads it through the stream alone.
    private readonly ProxyExchange _exchange = new();

    [GlobalCleanup]
    public void Cleanup()
    {
        _endpoint?.Dispose();
        _metrics.Dispose();
    }

    [Benchmark(Description = "relay, per event")]
    public async Task<int> Relay()
    {
        _stream.Reset(Events);
        using var upstream = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(_stream) };
        upstream.Content.Headers.TryAddWithoutValidation("Content-Type", "text/event-stream; charset=utf-8");
        using var idle = new CancellationTokenSource();
        _context.Response.StatusCode = 200;
        BackendCall call = _metrics.BackendCallStarted(_decode, "m");
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        var telemetry = new RelayTelemetry(_metrics, _decode, call, started, started);
        RelayOutcome outcome = await DecodeRelay.RelayAsync(_context, upstream, TimeSpan.FromMinutes(5), idle, telemetry, _exchange).ConfigureAwait(false);
        return (int)outcome;
    }

    /// <summary>Returns one whole event per read, synchronously, <c>count</c> times, then end of stream.</summary>
    private sealed class EventStream(byte[] chunk) : Stream
    {
        private int _left;

        public void Reset(int count) => _left = count;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => 0; set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(Read(buffer.Span));

        public override int Read(Span<byte> buffer)
        {
            if (_left == 0)
            {
                return 0;
            }

            _left--;
            chunk.CopyTo(buffer);
            return chunk.Length;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
