using System.Text;
using FastRouter.Telemetry.ConsoleLog;
using Microsoft.Extensions.Logging;

namespace FastRouter.Tests.Telemetry.ConsoleLog;

/// <summary>The UTF-8 message writer says exactly what LoggerMessage's own formatter says, for the shapes the router logs.</summary>
public sealed partial class LogMessageWriterTests
{
    private static readonly object?[] AnyValues =
        [0.0831, 1234.5, 42, -7L, "text with \"quotes\"", null, new Uri("http://10.0.0.1:8000/v1/completions"), new[] { "a", "b" }, TimeSpan.FromSeconds(1.5), true];

    private static readonly object?[] Numbers = [0.0831, 1234.5, 0.005, 42, -7L];

    [Theory]
    [InlineData("Literal {{braces}} and {Value} [request_id={RequestId}]")]
    [InlineData("Héllo ünïcode {Value} → {RequestId}")]
    [InlineData("Prefill endpoint: {Endpoint} [request_id={RequestId}]")]
    public void WritesWhatTheFormatterWrites_ForEveryValueShape(string template)
    {
        foreach (object? value in AnyValues)
        {
            var capture = new StateCapture();
            LoggerMessage.Define<object?, string>(LogLevel.Information, new EventId(1), template)(capture, value, "r-1", null);
            AssertSameMessage(capture);
        }
    }

    [Theory]
    [InlineData("Prefill completed in {Seconds:F2}s (TTFT) [request_id={RequestId}]")]
    [InlineData("Took {Seconds:0.000} s, {RequestId}")]
    public void WritesFormattedNumbersAsTheFormatterDoes(string template)
    {
        foreach (object? value in Numbers)
        {
            var capture = new StateCapture();
            LoggerMessage.Define<object?, string>(LogLevel.Information, new EventId(1), template)(capture, value, "r-1", null);
            AssertSameMessage(capture);
        }
    }

    [Theory]
    [InlineData("F2")]
    [InlineData("F0")]
    [InlineData("F3")]
    public void WritesFixedPointDurationsAsTheFormatterDoes(string format)
    {
        var random = new Random(12345);
        var log = LoggerMessage.Define<double>(LogLevel.Information, new EventId(1), "Took {Seconds:" + format + "}s");
        double[] edges = [0, 0.005, 0.015, 0.125, 0.995, 1.005, 2.675, 0.5, 1.5, 9.995, 99999.995, 0.0049999, 123456789.125];
        foreach (double value in edges.Concat(Enumerable.Range(0, 20_000).Select(i => i % 2 == 0 ? random.NextDouble() * 10 : Math.Round(random.NextDouble() * 1000) / 1000)))
        {
            var capture = new StateCapture();
            log(capture, value, null);
            AssertSameMessage(capture);
        }
    }

    [Fact]
    public void WritesAMessageWithOneValueOrNone()
    {
        var one = new StateCapture();
        LoggerMessage.Define<string>(LogLevel.Information, new EventId(1), "Starting orchestrated disaggregated inference [request_id={RequestId}]")(one, "r-1", null);
        AssertSameMessage(one);
        var none = new StateCapture();
        LoggerMessage.Define(LogLevel.Information, new EventId(1), "Nothing to fill in {{here}}")(none, null);
        AssertSameMessage(none);
    }

    [Fact]
    public void ATemplateItCannotRead_WritesNothing_AndSaysSo()
    {
        var capture = new StateCapture();
        LoggerMessage.Define<string>(LogLevel.Information, new EventId(1), "Aligned {Value,10} here")(capture, "x", null);
        LineBuffer output = LineBuffer.For();
        output.Write("prefix"u8);

        Assert.False(LogMessageWriter.TryWrite(capture.State!, output));
        Assert.Equal("prefix", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void ASourceGeneratedMessage_WhoseParametersAreNotInTheTemplatesOrder_PutsEachValueInItsOwnHole()
    {
        // The generated state lists values in parameter order; the router's "client disconnected" line once came out
        // as "during <request id> [request_id=prefill]".
        var capture = new StateCapture();
        ClientDisconnected(capture, "r-1", "prefill");
        AssertSameMessage(capture);
        Assert.Equal("The client disconnected during prefill [request_id=r-1]", capture.Message);

        var formatted = new StateCapture();
        Took(formatted, "r-2", 0.0831);
        AssertSameMessage(formatted);
    }

    [LoggerMessage(1, LogLevel.Information, "The client disconnected during {Phase} [request_id={RequestId}]")]
    private static partial void ClientDisconnected(ILogger logger, string requestId, string phase);

    [LoggerMessage(2, LogLevel.Information, "Took {Seconds:F2}s [request_id={RequestId}]")]
    private static partial void Took(ILogger logger, string requestId, double seconds);

    private static void AssertSameMessage(StateCapture capture)
    {
        LineBuffer output = LineBuffer.For();
        Assert.True(LogMessageWriter.TryWrite(capture.State!, output));
        Assert.Equal(capture.Message, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    /// <summary>A logger that keeps the state and the message LoggerMessage hands it.</summary>
    private sealed class StateCapture : ILogger
    {
        public IReadOnlyList<KeyValuePair<string, object?>>? State { get; private set; }

        public string? Message { get; private set; }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            State = (IReadOnlyList<KeyValuePair<string, object?>>)state!;
            Message = formatter(state, exception);
        }
    }
}
