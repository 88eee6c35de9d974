using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using FastRouter.Configuration;
using FastRouter.Protocol;

namespace FastRouter.Benchmarks;

/// <summary>
/// Reading <c>kv_transfer_params</c> from a prefill pod's non-streaming answer (<see cref="PrefillAnswerReader"/>)
/// and writing the decode leg's copy with <c>remote_host</c> rewritten (<see cref="KvTransferParamsRewriter"/>),
/// on answers shaped like the simulator's (vLLM's fields, nulls included) in the three kv shapes it knows.
/// </summary>
[MemoryDiagnoser]
public class PrefillAnswerBenchmarks
{
    private static readonly byte[] HostJson = "\"10.0.0.7\""u8.ToArray();
    private ReadOnlySequence<byte> _answer;
    private readonly BodySegments _output = new();

    [Params("legacy", "current", "newest")]
    public string Shape { get; set; } = "current";

    [GlobalSetup]
    public void Setup()
    {
        string kv = Shape switch
        {
            "legacy" => "{\"do_remote_prefill\":true,\"do_remote_decode\":false,\"remote_block_ids\":[1,2,3,4,5,6,7,8],\"remote_engine_id\":\"3f2c9a1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b\",\"remote_host\":\"localhost\",\"remote_port\":8101,\"tp_size\":1}",
            "current" => "{\"do_remote_prefill\":true,\"do_remote_decode\":false,\"remote_block_ids\":[[1,2,3,4,5,6,7,8]],\"remote_engine_id\":\"3f2c9a1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b\",\"remote_request_id\":\"chatcmpl-abc-1a2b3c4d\",\"remote_host\":\"localhost\",\"remote_port\":8101,\"tp_size\":1}",
            _ => "{\"do_remote_prefill\":true,\"do_remote_decode\":false,\"remote_block_ids\":[[1,2,3,4,5,6,7,8]],\"remote_engine_id\":\"3f2c9a1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b\",\"remote_request_id\":\"chatcmpl-abc-1a2b3c4d\",\"remote_host\":\"localhost\",\"remote_port\":8101,\"tp_size\":1,\"dcp_size\":1,\"pp_size\":1,\"remote_num_tokens\":128,\"remote_blocks_expiry_time\":1764000000,\"transfer_mode\":\"pull\"}",
        };
        string answer = "{\"id\":\"chatcmpl-abc\",\"object\":\"chat.completion\",\"created\":1764000000,\"model\":\"llama31-8b\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"The\",\"refusal\":null,\"annotations\":null,\"audio\":null,\"function_call\":null,\"tool_calls\":[],\"reasoning_content\":null},\"logprobs\":null,\"finish_reason\":\"length\",\"stop_reason\":null,\"token_ids\":null}],\"service_tier\":null,\"system_fingerprint\":null,\"usage\":{\"prompt_tokens\":128,\"total_tokens\":129,\"completion_tokens\":1,\"prompt_tokens_details\":null},\"prompt_logprobs\":null,\"prompt_token_ids\":null,\"kv_transfer_params\":" + kv + "}";
        _answer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(answer));
    }

    /// <summary>Find kv_transfer_params and classify remote_host.</summary>
    [Benchmark]
    public bool Read() => PrefillAnswerReader.TryRead(_answer, out _, null);

    /// <summary>Find it and write the decode leg's copy (remote_host "localhost" replaced by the pod's host).</summary>
    [Benchmark]
    public long ReadAndRewrite()
    {
        PrefillAnswerReader.TryRead(_answer, out KvTransferParamsLocation location, null);
        _output.Reset();
        KvTransferParamsRewriter.Write(_answer, location, RemoteHostPolicy.Auto, HostJson, _output);
        return _output.Length;
    }
}
