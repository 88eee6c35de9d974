using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using FastRouter.Proxying;
using FastRouter.Simulation;
using FastRouter.Telemetry;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace FastRouter.Tests.Telemetry;

[Collection(TracingCollection.Name)]
public sealed class TracingTests
{
    private const string ClientTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string ClientTraceParent = "00-" + ClientTraceId + "-00f067aa0ba902b7-01";

    [Fact]
    public void TraceParentFor_WithoutTracing_ContinuesTheClientsTrace_OrStartsOne()
    {
        Activity.Current = null;
        var context = new DefaultHttpContext();
        context.Request.Headers["traceparent"] = ClientTraceParent;
        Assert.Null(RouterTracing.StartRequest(context, CompletionEndpoint.Completions, "r1"));
        Assert.Equal(ClientTraceParent, RouterTracing.TraceParentFor(null, context));

        var fresh = new DefaultHttpContext();
        fresh.Request.Headers["traceparent"] = "00-zz-bad";
        string created = RouterTracing.TraceParentFor(null, fresh);
        Assert.True(ActivityContext.TryParse(created, null, out ActivityContext parsed));
        Assert.NotEqual(default, parsed.TraceId);
    }

    [Fact]
    public async Task OtlpExport_OfRealTraffic_SendsTheRequestAndBothLegSpans_InTheClientsTrace_WithPodModelAndOutcome()
    {
        await using var collector = await FakeOtlpCollector.StartAsync();
        await using RouterTestHarness host = await RouterTestHarness.StartAsync(
            o => o with { OtelEndpoint = collector.Address, OtelExportInterval = TimeSpan.FromMilliseconds(100) },
            decode: new SimulatorOptions { Role = SimulatorRole.Decode, InterTokenLatency = TimeSpan.FromMilliseconds(10) });

        // The decode stream breaks after two events: the client's 200 is sent, the decode leg's outcome is not success.
        host.Decode[0].Faults.Set(SimulatorFaultMode.DropMidStream, count: 1, afterEvents: 2);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("{\"model\":\"llama31-8b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":8,\"stream\":true}", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("traceparent", ClientTraceParent);
        request.Headers.TryAddWithoutValidation("X-Request-Id", "req-otlp");
        using (HttpResponseMessage response = await host.Client.SendAsync(request))
        {
            Assert.Equal(200, (int)response.StatusCode);
            Assert.DoesNotContain("[DONE]", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        List<JsonElement> spans = [];
        Assert.True(await Eventually.TrueAsync(() => (spans = collector.Spans.Where(s => s.GetProperty("traceId").GetString() == ClientTraceId).ToList()).Count >= 3));
        Assert.Equal(3, spans.Count);
        Assert.Contains("application/json", collector.ContentTypes);
        JsonElement server = spans.Single(s => s.GetProperty("kind").GetInt32() == 2);
        Assert.Equal("00f067aa0ba902b7", server.GetProperty("parentSpanId").GetString());
        Assert.Equal("POST /v1/chat/completions", server.GetProperty("name").GetString());
        Assert.Equal("req-otlp", Attribute(server, "fastrouter.request_id"));
        Assert.Equal("success", Attribute(server, "fastrouter.outcome"));
        Assert.Equal("disaggregated", Attribute(server, "fastrouter.disaggregation"));
        Assert.Equal("default", Attribute(server, "fastrouter.disaggregation.reason"));
        JsonElement[] legs = [.. spans.Where(s => s.GetProperty("kind").GetInt32() == 3)];
        Assert.Equal(2, legs.Length);
        Assert.All(legs, leg => Assert.Equal(server.GetProperty("spanId").GetString(), leg.GetProperty("parentSpanId").GetString()));

        JsonElement prefillSpan = legs.Single(l => Attribute(l, "fastrouter.role") == "prefill");
        Assert.Equal(RouterTestHarness.PodName(host.Prefill[0]), Attribute(prefillSpan, "fastrouter.pod"));
        Assert.Equal("success", Attribute(prefillSpan, "fastrouter.outcome"));
        JsonElement decodeSpan = legs.Single(l => Attribute(l, "fastrouter.role") == "decode");
        Assert.Equal(RouterTestHarness.PodName(host.Decode[0]), Attribute(decodeSpan, "fastrouter.pod"));
        Assert.Equal(RouterTestHarness.Model, Attribute(decodeSpan, "gen_ai.request.model"));
        Assert.Equal("stream_broken", Attribute(decodeSpan, "fastrouter.outcome"));
        Assert.Equal(2, decodeSpan.GetProperty("status").GetProperty("code").GetInt32());
        Assert.True(ulong.Parse(decodeSpan.GetProperty("endTimeUnixNano").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            >= ulong.Parse(decodeSpan.GetProperty("startTimeUnixNano").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("vllm-router", collector.ServiceNames.First());

        // Each pod was sent the client's trace with its own leg's span as the parent.
        Assert.Equal("00-" + ClientTraceId + "-" + prefillSpan.GetProperty("spanId").GetString() + "-01", Assert.Single(host.Prefill[0].ReceivedRequests).TraceParent);
        Assert.Equal("00-" + ClientTraceId + "-" + decodeSpan.GetProperty("spanId").GetString() + "-01", Assert.Single(host.Decode[0].ReceivedRequests).TraceParent);
    }

    [Fact]
    public async Task OtlpExport_OfADecodeOnlyRequest_SendsTheRequestSpanWithTheDecision_AndOneDecodeLeg()
    {
        await using var collector = await FakeOtlpCollector.StartAsync();
        await using RouterTestHarness host = await RouterTestHarness.StartAsync(
            o => o with { OtelEndpoint = collector.Address, OtelExportInterval = TimeSpan.FromMilliseconds(100), DecodeOnlyBelowTokens = 100 });

        await host.CompleteAsync(stream: false, traceParent: ClientTraceParent, prompt: "hi");

        // The request's span ends after its legs', so once it is in, every leg's is.
        List<JsonElement> spans = [];
        Assert.True(await Eventually.TrueAsync(() => (spans = collector.Spans.Where(s => s.GetProperty("traceId").GetString() == ClientTraceId).ToList()).Any(s => s.GetProperty("kind").GetInt32() == 2)));
        Assert.Equal(2, spans.Count);
        JsonElement server = spans.Single(s => s.GetProperty("kind").GetInt32() == 2);
        Assert.Equal("decode_only", Attribute(server, "fastrouter.disaggregation"));
        Assert.Equal("short_uncached", Attribute(server, "fastrouter.disaggregation.reason"));
        JsonElement leg = spans.Single(s => s.GetProperty("kind").GetInt32() == 3);
        Assert.Equal("decode", Attribute(leg, "fastrouter.role"));
        Assert.Empty(host.Prefill[0].ReceivedRequests);
    }

    [Fact]
    public async Task WithTextLogs_BothLegsCarryTheClientsTraceParentAsSent_NoHostSpanBetween()
    {
        // With text logs ASP.NET Core starts no Activity per request (RouterHost), so no span stands between the
        // client's and the pods': a host activity would have given the legs a span id of its own.
        await using RouterTestHarness host = await RouterTestHarness.StartAsync();
        await host.CompleteAsync(stream: true, traceParent: ClientTraceParent);
        foreach (VllmSimulator pod in host.Prefill.Concat(host.Decode))
        {
            Assert.Equal(ClientTraceParent, Assert.Single(pod.ReceivedRequests).TraceParent);
        }
    }

    [Fact]
    public async Task WithoutAClientTraceParent_BothLegsNameOneNewTrace_ANewOneForEachRequest()
    {
        await using RouterTestHarness host = await RouterTestHarness.StartAsync();
        await host.CompleteAsync(stream: false);
        await host.CompleteAsync(stream: true);
        VllmSimulator[] pods = [.. host.Prefill, .. host.Decode];
        Assert.Equal(2, pods.Length);
        var perRequest = new List<string>();
        for (int request = 0; request < 2; request++)
        {
            string? prefill = pods[0].ReceivedRequests[request].TraceParent;
            string? decode = pods[1].ReceivedRequests[request].TraceParent;
            Assert.True(ActivityContext.TryParse(prefill, null, out ActivityContext parsed), prefill);
            Assert.NotEqual(default, parsed.TraceId);
            Assert.NotEqual(default, parsed.SpanId);
            Assert.Equal(prefill, decode);
            perRequest.Add(prefill!);
        }

        Assert.NotEqual(perRequest[0], perRequest[1]);
    }

    [Fact]
    public void NewTraceParent_IsAValidSampledContext_InTheW3CShape_AndNeverRepeats()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 10_000; i++)
        {
            string created = RouterTracing.NewTraceParent();
            Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-01$", created);
            Assert.True(ActivityContext.TryParse(created, null, out ActivityContext parsed), created);
            Assert.Equal(ActivityTraceFlags.Recorded, parsed.TraceFlags);
            Assert.True(seen.Add(created));
        }
    }

    [Fact]
    public async Task WithJsonLogs_TheHostsRequestActivity_ContinuesTheClientsTrace_AsOneSpanForBothLegs()
    {
        // JSON lines print the trace id of the request's activity, so with them ASP.NET Core's stays on: a child of
        // the client's span, which both legs name as their parent.
        await using RouterTestHarness host = await RouterTestHarness.StartAsync(o => o with { LogFormat = LogFormat.Json });
        await host.CompleteAsync(stream: false, traceParent: ClientTraceParent);
        string[] received = host.Prefill.Concat(host.Decode).Select(pod => Assert.Single(pod.ReceivedRequests).TraceParent ?? "").ToArray();
        Assert.Equal(2, received.Length);
        Assert.Equal(received[0], received[1]);
        Assert.StartsWith("00-" + ClientTraceId + "-", received[0], StringComparison.Ordinal);
        Assert.NotEqual(ClientTraceParent, received[0]);
    }

    private static string? Attribute(JsonElement span, string key) =>
        span.GetProperty("attributes").EnumerateArray().Where(a => a.GetProperty("key").GetString() == key)
            .Select(a => a.GetProperty("value").GetProperty("stringValue").GetString()).FirstOrDefault();

    /// <summary>An OTLP/HTTP collector on loopback that keeps every span it is sent (JSON encoding).</summary>
    private sealed class FakeOtlpCollector : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private FakeOtlpCollector(WebApplication app, Uri address)
        {
            _app = app;
            Address = address;
        }

        public Uri Address { get; }

        public ConcurrentBag<JsonElement> Spans { get; } = [];

        public ConcurrentBag<string> ContentTypes { get; } = [];

        public ConcurrentBag<string> ServiceNames { get; } = [];

        public static async Task<FakeOtlpCollector> StartAsync()
        {
            int port = FreePort.Get();
            WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore();
            builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
            WebApplication app = builder.Build();
            var collector = new FakeOtlpCollector(app, new Uri("http://127.0.0.1:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            app.Run(collector.HandleAsync);
            await app.StartAsync();
            return collector;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        private async Task HandleAsync(HttpContext context)
        {
            Assert.Equal("/v1/traces", context.Request.Path.Value);
            ContentTypes.Add(context.Request.ContentType ?? "");
            using JsonDocument document = await JsonDocument.ParseAsync(context.Request.Body);
            foreach (JsonElement resource in document.RootElement.GetProperty("resourceSpans").EnumerateArray())
            {
                foreach (JsonElement attribute in resource.GetProperty("resource").GetProperty("attributes").EnumerateArray())
                {
                    if (attribute.GetProperty("key").GetString() == "service.name")
                    {
                        ServiceNames.Add(attribute.GetProperty("value").GetProperty("stringValue").GetString()!);
                    }
                }

                foreach (JsonElement scope in resource.GetProperty("scopeSpans").EnumerateArray())
                {
                    foreach (JsonElement span in scope.GetProperty("spans").EnumerateArray())
                    {
                        Spans.Add(span.Clone());
                    }
                }
            }

            context.Response.StatusCode = 200;
        }
    }
}

/// <summary>Tracing listeners are process-wide: these tests do not run beside each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TracingCollection
{
    public const string Name = "Tracing";
}
