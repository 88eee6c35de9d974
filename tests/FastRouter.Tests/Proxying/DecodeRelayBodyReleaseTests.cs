using System.Net;
using System.Text;
using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Proxying;
using FastRouter.Telemetry;
using FastRouter.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace FastRouter.Tests.Proxying;

/// <summary>
/// The relay hands a request's bodies back to the pool as soon as an event stream begins, not when it ends: a stream
/// that runs for minutes must not keep its prompt (and the prefill answer) in memory meanwhile.
/// </summary>
public sealed class DecodeRelayBodyReleaseTests
{
    [Fact]
    public async Task TheBodiesAreReleasedAtTheFirstEvent_WhileTheStreamStillRuns()
    {
        var options = new RouterOptions
        {
            StaticBackends = [new StaticBackendOptions(new Uri("http://127.0.0.1:9"), "m", "decode")],
            DecodeModelLabels = ["decode"],
        };
        await using var discovery = new StaticDiscovery(options);
        using var metrics = new RouterMetrics(discovery, options);
        Backend decode = discovery.Current.Backends[0];
        ProxyExchange exchange = await FilledExchange.CreateAsync();
        var pod = new PacedAnswerStream("data: {\"choices\":[]}\n\n");
        using var answer = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(pod) };
        answer.Content.Headers.TryAddWithoutValidation("Content-Type", "text/event-stream");
        var client = new MemoryStream();
        DefaultHttpContext context = new();
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(client));
        using var idle = new CancellationTokenSource();
        var telemetry = new RelayTelemetry(metrics, decode, metrics.BackendCallStarted(decode, "m"), 0, 0);

        Task<RelayOutcome> relay = DecodeRelay.RelayAsync(context, answer, TimeSpan.FromSeconds(30), idle, telemetry, exchange);
        await pod.FirstEventTaken.Task.WaitAsync(TimeSpan.FromSeconds(10));
        bool releasedWhileStreaming = await Eventually.TrueAsync(() => exchange.RequestBody.Length == 0);
        bool stillRunning = !relay.IsCompleted;
        pod.End.SetResult();
        RelayOutcome outcome = await relay.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(releasedWhileStreaming, "the request body was still held after the first event");
        Assert.True(stillRunning, "the relay ended before the pod's stream did");
        Assert.Equal(0, exchange.PrefillAnswer.Length);
        Assert.Equal(0, exchange.DecodeBody.Count);
        Assert.Equal(RelayOutcome.Completed, outcome);
        Assert.Contains("data: {\"choices\":[]}", Encoding.UTF8.GetString(client.ToArray()), StringComparison.Ordinal);
    }


    /// <summary>A decode pod's SSE body: one event at once, then nothing until the test ends the stream.</summary>
    private sealed class PacedAnswerStream(string firstEvent) : Stream
    {
        private readonly byte[] _first = Encoding.UTF8.GetBytes(firstEvent);
        private bool _firstSent;

        public TaskCompletionSource FirstEventTaken { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource End { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_firstSent)
            {
                if (buffer.Length == 0)
                {
                    return 0;
                }

                _firstSent = true;
                _first.CopyTo(buffer);
                FirstEventTaken.SetResult();
                return _first.Length;
            }

            await End.Task.WaitAsync(cancellationToken);
            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
