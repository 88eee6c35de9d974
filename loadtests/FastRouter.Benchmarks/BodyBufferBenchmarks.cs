using BenchmarkDotNet.Attributes;
using CommunityToolkit.HighPerformance.Buffers;
using FastRouter.Proxying;

namespace FastRouter.Benchmarks;

/// <summary>
/// Reading a request body whole, as the router does for every request: the router's <see cref="PooledBuffer"/>
/// (kept by the pooled exchange, a small array kept for the next request) against CommunityToolkit.HighPerformance's
/// pooled types doing the same reads, for docs/architecture.md. The stream announces its length, as Kestrel does with
/// Content-Length, and hands out at most 16 KB per read, as a socket would.
/// </summary>
[MemoryDiagnoser]
public class BodyBufferBenchmarks
{
    private const int KeptBodyBytes = 4096;
    private const long Limit = 8 * 1024 * 1024;

    private readonly PooledBuffer _ours = new();

    /// <summary>Charged as the router charges its budget: the default of a large machine, never full here.</summary>
    private readonly BufferBudget _budget = new(256L * 1024 * 1024, TimeSpan.FromSeconds(1));
    private ArrayPoolBufferWriter<byte> _keptWriter = null!;
    private ChunkedStream _stream = null!;

    /// <summary>A typical chat request, a long prompt, a very long one.</summary>
    [Params(700, 16_384, 262_144)]
    public int BodyBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        byte[] body = new byte[BodyBytes];
        Random.Shared.NextBytes(body);
        _stream = new ChunkedStream(body, 16_384);
        _keptWriter = new ArrayPoolBufferWriter<byte>(KeptBodyBytes);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ours.Release();
        _keptWriter.Dispose();
    }

    /// <summary>The router's way: read, then <see cref="PooledBuffer.Clear"/> as <see cref="ProxyExchange.TryReset"/> does.</summary>
    [Benchmark(Baseline = true)]
    public int PooledBuffer()
    {
        _stream.Position = 0;
        _ours.ReadToEndAsync(_stream, BodyBytes, Limit, _budget, CancellationToken.None).GetAwaiter().GetResult();
        int length = _ours.Length;
        _ours.Clear(KeptBodyBytes);
        return length;
    }

    /// <summary>
    /// A writer per request: it cannot give its array back and stay usable, so the exchange could not keep one (a
    /// long prompt's array would stay held by an idle exchange).
    /// </summary>
    [Benchmark]
    public int ArrayPoolBufferWriterPerRequest()
    {
        _stream.Position = 0;
        using var writer = new ArrayPoolBufferWriter<byte>((int)Math.Min(Limit, BodyBytes + 1L));
        return ReadInto(writer);
    }

    /// <summary>One writer kept across requests: its <c>Clear</c> zeroes what was written, and it keeps its largest array.</summary>
    [Benchmark]
    public int ArrayPoolBufferWriterKept()
    {
        _stream.Position = 0;
        int length = ReadInto(_keptWriter);
        _keptWriter.Clear();
        return length;
    }

    /// <summary>An owner of exactly the announced length per request.</summary>
    [Benchmark]
    public int MemoryOwnerPerRequest()
    {
        _stream.Position = 0;
        using MemoryOwner<byte> owner = MemoryOwner<byte>.Allocate(BodyBytes + 1);
        Memory<byte> memory = owner.Memory;
        int length = 0;
        while (length < BodyBytes)
        {
            int read = _stream.ReadAsync(memory[length..], CancellationToken.None).GetAwaiter().GetResult();
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        return length;
    }

    private int ReadInto(ArrayPoolBufferWriter<byte> writer)
    {
        while (writer.WrittenCount < BodyBytes)
        {
            int read = _stream.ReadAsync(writer.GetMemory(1), CancellationToken.None).GetAwaiter().GetResult();
            if (read == 0)
            {
                break;
            }

            writer.Advance(read);
        }

        return writer.WrittenCount;
    }

    /// <summary>A body in memory that hands out at most <c>chunk</c> bytes per read.</summary>
    private sealed class ChunkedStream(byte[] bytes, int chunk) : MemoryStream(bytes, writable: false)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer.Length > chunk ? buffer[..chunk] : buffer, cancellationToken);
    }
}
