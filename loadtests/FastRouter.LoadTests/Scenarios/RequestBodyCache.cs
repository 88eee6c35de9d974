using System.Collections.Concurrent;

namespace FastRouter.LoadTests.Scenarios;

/// <summary>
/// Bodies by (shape, prompt length, output length, purpose), built once and shared by every worker, so the send
/// loop does not serialise JSON per request. Bounded: past <see cref="Capacity"/> distinct bodies (wide
/// distributions) new ones are built per request instead of growing memory without end.
/// Safe to call from any thread.
/// </summary>
internal sealed class RequestBodyCache
{
    public const int Capacity = 8192;

    private readonly ConcurrentDictionary<long, byte[]> _bodies = new();
    private readonly string _model;

    public RequestBodyCache(string model)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        _model = model;
    }

    public byte[] Get(RequestShape shape, int promptTokens, int maxTokens, BodyPurpose purpose)
    {
        // Lengths are at most 1,000,000 (20 bits each); api, stream and purpose take the low 3 bits.
        long key = ((long)promptTokens << 23) | ((long)maxTokens << 3) | ((long)shape.Api << 2) | (shape.Stream ? 2L : 0L) | (long)purpose;
        if (_bodies.TryGetValue(key, out byte[]? body))
        {
            return body;
        }

        body = RequestBodyBuilder.Build(shape, _model, promptTokens, maxTokens, purpose);
        if (_bodies.Count < Capacity)
        {
            _bodies.TryAdd(key, body);
        }

        return body;
    }
}
