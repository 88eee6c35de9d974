using System.Text.Json;
using FastRouter.Telemetry;
using FastRouter.Tests.Harness;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastRouter.Tests.Telemetry;

public sealed class JsonLogTests
{
    private const string SecretPrompt = "the-secret-prompt-text";

    [Fact]
    public async Task JsonLines_AfterTraffic_ParseLineByLine_CarryRequestAndTraceIds_NeverThePrompt()
    {
        var sink = new JsonLineSink();
        // The default level: the per-request lines are Information, as production-stack's.
        await using (RouterTestHarness host = await RouterTestHarness.StartAsync(o => o with { LogFormat = LogFormat.Json }, logging: builder => builder.AddProvider(sink)))
        {
            await host.CompleteAsync(stream: true, traceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", prompt: SecretPrompt);
            await host.CompleteAsync(stream: false, prompt: SecretPrompt);
        }

        string[] lines = sink.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        var requestLines = new List<JsonElement>();
        foreach (string line in lines)
        {
            Assert.DoesNotContain(SecretPrompt, line, StringComparison.Ordinal);
            using JsonDocument document = JsonDocument.Parse(line);
            JsonElement root = document.RootElement.Clone();
            Assert.Equal(JsonValueKind.Object, root.ValueKind);
            Assert.True(DateTimeOffset.TryParse(root.GetProperty("timestamp").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
            Assert.Contains(root.GetProperty("level").GetString(), new[] { "trace", "debug", "info", "warning", "error", "critical" });
            root.GetProperty("event_id").GetInt32();
            root.GetProperty("message").GetString();
            if (root.TryGetProperty("request_id", out _))
            {
                requestLines.Add(root);
            }
        }

        // The proxy's per-request lines: the request id as a field, the trace id of the request's activity.
        Assert.NotEmpty(requestLines);
        JsonElement starting = requestLines.First(l => l.GetProperty("event_id").GetInt32() == 1);
        Assert.Equal("Starting", starting.GetProperty("event").GetString());
        Assert.False(string.IsNullOrEmpty(starting.GetProperty("request_id").GetString()));
        Assert.Contains(requestLines, l => l.TryGetProperty("trace_id", out JsonElement t) && t.GetString() == "0af7651916cd43dd8448eb211c80319c");
        Assert.Contains(requestLines, l => l.TryGetProperty("endpoint", out _));
    }

    [Fact]
    public async Task JsonLines_OfADecodeOnlyRequest_CarryTheDecodePodAndTheReason_AndNoPrefillLine()
    {
        var sink = new JsonLineSink();
        string decode;
        await using (RouterTestHarness host = await RouterTestHarness.StartAsync(o => o with { LogFormat = LogFormat.Json, DecodeOnlyBelowTokens = 100 }, logging: builder => builder.AddProvider(sink)))
        {
            decode = RouterTestHarness.PodName(host.Decode[0]);
            using HttpResponseMessage response = await host.PostAsync("/v1/completions", "{\"model\":\"llama31-8b\",\"prompt\":\"hi\",\"max_tokens\":2}", requestId: "json-decode-only");
            Assert.Equal(200, (int)response.StatusCode);
        }

        var lines = new List<JsonElement>();
        foreach (string line in sink.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using JsonDocument document = JsonDocument.Parse(line);
            if (document.RootElement.TryGetProperty("request_id", out JsonElement id) && id.GetString() == "json-decode-only")
            {
                lines.Add(document.RootElement.Clone());
            }
        }

        JsonElement decision = Assert.Single(lines, l => l.GetProperty("event_id").GetInt32() == 9);
        Assert.Equal("DecodeOnly", decision.GetProperty("event").GetString());
        Assert.Equal(decode, decision.GetProperty("endpoint").GetString());
        Assert.Equal("short_uncached", decision.GetProperty("reason").GetString());
        Assert.Equal([9, 7, 8], lines.Where(l => l.GetProperty("level").GetString() == "info").Select(l => l.GetProperty("event_id").GetInt32()));
    }

    [Fact]
    public void Formatter_SnakeCasesFields_AndDropsSensitiveOnes()
    {
        var formatter = new JsonLineFormatter();
        var state = new List<KeyValuePair<string, object?>>
        {
            new("RequestId", "r-1"), new("Seconds", 1.5), new("Status", 502), new("Prompt", SecretPrompt), new("ApiKey", "sk-1"),
            new("{OriginalFormat}", "x"),
        };
        var writer = new StringWriter();
        formatter.Write(new LogEntry<List<KeyValuePair<string, object?>>>(LogLevel.Warning, "cat", new EventId(13, "LegFailed"), state, null, static (_, _) => "failed"), null, writer);
        using JsonDocument document = JsonDocument.Parse(writer.ToString());
        JsonElement root = document.RootElement;
        Assert.Equal("warning", root.GetProperty("level").GetString());
        Assert.Equal(13, root.GetProperty("event_id").GetInt32());
        Assert.Equal("LegFailed", root.GetProperty("event").GetString());
        Assert.Equal("r-1", root.GetProperty("request_id").GetString());
        Assert.Equal(1.5, root.GetProperty("seconds").GetDouble());
        Assert.Equal(502, root.GetProperty("status").GetInt32());
        Assert.False(root.TryGetProperty("prompt", out _));
        Assert.False(root.TryGetProperty("api_key", out _));
        Assert.DoesNotContain(SecretPrompt, writer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Formatter_WritesALineWithoutAllocatingItsTextOrFieldNames()
    {
        var formatter = new JsonLineFormatter();
        var state = new List<KeyValuePair<string, object?>>
        {
            new("RequestId", "0123456789abcdef0123456789abcdef"), new("PrefillEndpoint", "http://10.0.0.1:8100"),
            new("DecodeEndpoint", "http://10.0.0.2:8200"), new("Seconds", 1.5), new("Status", 200),
        };
        var entry = new LogEntry<List<KeyValuePair<string, object?>>>(LogLevel.Debug, "FastRouter.Proxying.OrchestratedProxy", new EventId(5, "PrefillCompleted"), state, null, static (_, _) => "done");
        FastRouter.Telemetry.ConsoleLog.LineBuffer first = FastRouter.Telemetry.ConsoleLog.LineBuffer.For();
        Assert.True(formatter.TryWrite(entry, first));
        int lineLength = first.WrittenCount;

        // The path the router's console logger takes: each line into the thread's reused UTF-8 buffer.
        const int Lines = 200;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Lines; i++)
        {
            formatter.TryWrite(entry, FastRouter.Telemetry.ConsoleLog.LineBuffer.For());
        }

        long perLine = (GC.GetAllocatedBytesForCurrentThread() - before) / Lines;

        // The line's own buffer, its text as a string (2 bytes a character) and the snake_case names all came
        // from the heap before (2,256 B for this line); what is left is the enumerator and the boxed values' text.
        Assert.True(perLine < lineLength, "allocated " + perLine + " B per line of " + lineLength + " characters");
    }

    [Fact]
    public void LogFormat_IsParsedFromTheCommandLine()
    {
        FastRouter.Configuration.RouterOptions options = Configuration.CommandLineTestHelpers.AssertRuns(Configuration.CommandLineTestHelpers.ParseWith(
            "--log-format", "json", "--metrics-port", "9100", "--otel-endpoint", "http://collector:4318", "--otel-service-name", "router-a"));
        Assert.Equal(LogFormat.Json, options.LogFormat);
        Assert.Equal(9100, options.MetricsPort);
        Assert.Equal(new Uri("http://collector:4318"), options.OtelEndpoint);
        Assert.Equal("router-a", options.OtelServiceName);
        Configuration.CommandLineTestHelpers.AssertFails(Configuration.CommandLineTestHelpers.ParseWith("--log-format", "xml"), "--log-format");
        Configuration.CommandLineTestHelpers.AssertFails(Configuration.CommandLineTestHelpers.ParseWith("--otel-endpoint", "ftp://collector"), "--otel-endpoint");
        Assert.Equal(new Uri("https://collector:4318"), Configuration.CommandLineTestHelpers.AssertRuns(Configuration.CommandLineTestHelpers.ParseWith("--otel-endpoint", "collector:4318", "--otel-secure")).OtelEndpoint);
    }

    /// <summary>Writes every message through the real formatter, as the console logger would, into one buffer.</summary>
    private sealed class JsonLineSink : ILoggerProvider
    {
        private readonly JsonLineFormatter _formatter = new();
        private readonly StringWriter _writer = new();

        public string Text
        {
            get
            {
                lock (_writer)
                {
                    return _writer.ToString();
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose() => _writer.Dispose();

        private sealed class Logger(JsonLineSink sink, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (sink._writer)
                {
                    sink._formatter.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), null, sink._writer);
                }
            }
        }
    }
}
