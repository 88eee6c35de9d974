using System.Text;
using BenchmarkDotNet.Attributes;
using FastRouter.Telemetry;

namespace FastRouter.Benchmarks;

/// <summary>
/// Finding the token counts in a decode answer as the relay passes it on (<see cref="UsageScanner"/>): a stream's
/// final SSE event, which holds the usage; a non-streaming chat answer shaped like vLLM's, fed in one read; and the
/// same answer fed 64 bytes at a time (as a slow socket would hand it over, so the usage object is split and
/// stepped through).
/// </summary>
[MemoryDiagnoser]
public class UsageScannerBenchmarks
{
    private const int SplitReadSize = 64;

    private static readonly byte[] FinalEvent =
        "data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":812,\"total_tokens\":1068,\"completion_tokens\":256}}\n\n"u8.ToArray();

    private readonly byte[] _answer = Encoding.UTF8.GetBytes(
        "{\"id\":\"chatcmpl-abc\",\"object\":\"chat.completion\",\"created\":1764000000,\"model\":\"llama31-8b\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + new string('x', 256) + "\",\"refusal\":null,\"annotations\":null,\"audio\":null,\"function_call\":null,\"tool_calls\":[],\"reasoning_content\":null},\"logprobs\":null,\"finish_reason\":\"length\",\"stop_reason\":null,\"token_ids\":null}],\"service_tier\":null,\"system_fingerprint\":null,\"usage\":{\"prompt_tokens\":128,\"total_tokens\":192,\"completion_tokens\":64,\"prompt_tokens_details\":null},\"prompt_logprobs\":null,\"prompt_token_ids\":null,\"kv_transfer_params\":null}");

    [Benchmark]
    public long FinalSseEvent()
    {
        var scanner = new UsageScanner();
        scanner.Feed(FinalEvent);
        return scanner.CompletionTokens;
    }

    [Benchmark]
    public long OneRead()
    {
        var scanner = new UsageScanner();
        scanner.Feed(_answer);
        return scanner.CompletionTokens;
    }

    [Benchmark]
    public long ReadsOf64Bytes()
    {
        var scanner = new UsageScanner();
        ReadOnlySpan<byte> answer = _answer;
        for (int at = 0; at < answer.Length; at += SplitReadSize)
        {
            scanner.Feed(answer.Slice(at, Math.Min(SplitReadSize, answer.Length - at)));
        }

        return scanner.CompletionTokens;
    }
}
