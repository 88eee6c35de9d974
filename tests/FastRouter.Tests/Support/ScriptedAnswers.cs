namespace FastRouter.Tests.Support;

/// <summary>
/// The bodies the scripted-pod tests send and answer with: a chat request, a prefill answer in vLLM's shape with
/// kv_transfer_params, and decode's answers, JSON or a stream chunk. One copy, so every such test speaks the same vLLM.
/// </summary>
internal static class ScriptedAnswers
{
    public static readonly string ChatBody = RequestBodies.Chat(3, content: "hi");

    public const string BlockIds = "\"remote_block_ids\":[[41,42]]";

    public const string PrefillAnswer =
        "{\"id\":\"cmpl-p\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"llama31-8b\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"a\"},\"finish_reason\":\"length\"}],"
        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4},"
        + "\"kv_transfer_params\":{\"do_remote_prefill\":true,\"do_remote_decode\":false," + BlockIds + ",\"remote_engine_id\":\"scripted\",\"remote_host\":\"127.0.0.1\",\"remote_port\":1}}";

    public const string DecodeAnswer =
        "{\"id\":\"cmpl-d\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"llama31-8b\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}";

    public const string DecodeChunk =
        "{\"id\":\"cmpl-d\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"llama31-8b\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":\"length\"}]}";
}
