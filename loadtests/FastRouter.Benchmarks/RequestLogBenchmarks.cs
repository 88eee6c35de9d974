using BenchmarkDotNet.Attributes;
using FastRouter.Proxying;
using FastRouter.Telemetry;
using FastRouter.Telemetry.ConsoleLog;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastRouter.Benchmarks;

/// <summary>
/// One request's seven seed lines at Information, as the orchestrated flow writes them (the first four as one
/// group, then prefill completed, sending decode, completed), on the caller's thread: the direct path into the
/// router's console logger, against the generic <c>LoggerMessage</c> path through the same logger. The console is
/// <see cref="Stream.Null"/> with buffers large enough that no line is dropped, so what is measured is formatting and
/// queueing, not the writer thread's system calls (those are in the paired end-to-end figure).
/// </summary>
[MemoryDiagnoser]
public class RequestLogBenchmarks
{
    private const string Category = "FastRouter.Proxying.OrchestratedProxy";
    private const string RequestId = "a114737e2b0aab65ca5027606afaf84b";

    private static readonly Uri PrefillUri = new("http://10.0.0.1:8000/v1/chat/completions");
    private static readonly Uri DecodeUri = new("http://10.0.0.2:8000/v1/chat/completions");

    private RouterConsoleLoggerProvider _provider = null!;
    private LoggerFactory _factory = null!;
    private RequestLog _log = null!;

    /// <summary>The direct path (the router's set-up) or the generic one (any other provider beside ours).</summary>
    [Params(true, false)]
    public bool Direct { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _provider = new RouterConsoleLoggerProvider(Stream.Null, LogFormat.Text, TimeProvider.System, bufferBytes: 64 * 1024 * 1024);
        _factory = new LoggerFactory([_provider]);
        ILoggerProvider[] providers = Direct ? [_provider] : [_provider, NullLoggerProvider.Instance];
        _log = new RequestLog(_factory.CreateLogger(Category), Category, providers);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_provider.Writer.DroppedLines != 0)
        {
            throw new InvalidOperationException("Lines were dropped: the figure would leave out their cost.");
        }

        _factory.Dispose();
        _provider.Dispose();
    }

    [Benchmark]
    public void OneRequestsLines()
    {
        _log.Attempt(first: true, "http://10.0.0.1:8000", "http://10.0.0.2:8000", PrefillUri, RequestId);
        _log.PrefillCompleted(0.0831, RequestId);
        _log.SendingDecode(DecodeUri, RequestId);
        _log.Completed(0.8712, RequestId);
    }
}
