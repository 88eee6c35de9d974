using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using FastRouter.Protocol;

namespace FastRouter.Benchmarks;

/// <summary>
/// The request patcher on the router's hot path, per orchestrated request: one validating scan of the client's
/// body (<see cref="RequestScanner"/>, UTF-8 check included), then the prefill and the decode bodies as slices of
/// the client's bytes (<see cref="LegBodyBuilder"/>). Bodies are chat requests of about 1 KB, 100 KB and 4 MB whose
/// size is in the message text, as a long prompt's would be.
/// </summary>
[MemoryDiagnoser]
public class RequestPatcherBenchmarks
{
    private ReadOnlySequence<byte> _body;
    private readonly RequestScan _scan = new();
    private readonly BodySegments _prefill = new();
    private readonly BodySegments _decode = new();
    private readonly BodySegments _kv = new();

    [Params(1024, 100 * 1024, 4 * 1024 * 1024)]
    public int BodyBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        const string Head = "{\"model\":\"llama31-8b\",\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"},{\"role\":\"user\",\"content\":\"";
        const string Tail = "\"}],\"max_tokens\":64,\"temperature\":0.7,\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        var text = new StringBuilder(BodyBytes);
        while (text.Length < BodyBytes - Head.Length - Tail.Length)
        {
            text.Append("lorem ipsum dolor sit amet ");
        }

        _body = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(Head + text.ToString(0, Math.Max(0, BodyBytes - Head.Length - Tail.Length)) + Tail));
        _kv.Add("{\"do_remote_prefill\":true,\"do_remote_decode\":false,\"remote_block_ids\":[[1,2,3]],\"remote_engine_id\":\"e\",\"remote_host\":\"127.0.0.1\",\"remote_port\":8101,\"tp_size\":1}"u8.ToArray());
        if (!RequestScanner.TryScan(_body, 64, _scan, out _))
        {
            throw new InvalidOperationException("benchmark body does not scan");
        }
    }

    /// <summary>Scan (validate + locate fields) only.</summary>
    [Benchmark]
    public bool Scan() => RequestScanner.TryScan(_body, 64, _scan, out _);

    /// <summary>Everything the patcher does per request: scan, prefill body, decode body.</summary>
    [Benchmark]
    public long ScanAndBuildBothLegs()
    {
        RequestScanner.TryScan(_body, 64, _scan, out _);
        _prefill.Reset();
        _decode.Reset();
        LegBodyBuilder.BuildPrefill(_body, _scan, _prefill);
        LegBodyBuilder.BuildDecode(_body, _scan, _kv, _decode);
        return _prefill.Length + _decode.Length;
    }
}
