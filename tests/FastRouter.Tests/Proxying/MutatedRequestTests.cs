using System.Text;
using System.Text.Json;
using FastRouter.Simulation;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Proxying;

/// <summary>
/// Requests broken at random (<see cref="HostileRequests"/>): whatever the bytes, the router answers with a
/// completion or an OpenAI-shaped client error, never a 5xx while its pods are healthy, never hangs, and leaves no
/// KV block held on the prefill pod; and every prefill call it makes carries the prefill leg's edits. The
/// hand-picked cases live in <see cref="BadInputTests"/>; this covers what nobody picked. It found decode
/// rejections that stranded the prefill's KV (<c>DecodeRejectionTests</c>).
/// </summary>
public sealed class MutatedRequestTests
{
    private const int CasesPerSeed = 150;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task MutatedRequests_GetACompletionOrAnOpenAiClientError_AndStrandNoKv(int seed)
    {
        await using RouterTestHarness harness = await RouterTestHarness.StartAsync();
        var random = new Random(seed);
        int served = 0;
        for (int i = 0; i < CasesPerSeed; i++)
        {
            (string path, byte[] body) = HostileRequests.Next(random);
            if (await HostileRequests.SendAndCheckAsync(harness.Client, path, body, $"seed {seed}, case {i}"))
            {
                served++;
            }
        }

        // Most broken requests are turned down, but some must get through, or the pods' side would go untested.
        Assert.True(served > 0, "no request was served");

        // Whatever the client sent, each prefill call ran for one token, unstreamed, with the router's own params.
        foreach (RecordedRequest prefill in harness.Prefill[0].ReceivedRequests)
        {
            if (prefill.Path is "/v1/chat/completions" or "/v1/completions")
            {
                AssertIsAPrefillBody(prefill.Body);
            }
        }
        Assert.True(
            await Eventually.TrueAsync(() => harness.Prefill[0].HeldKvBlocks == 0, TimeSpan.FromSeconds(5)),
            "KV blocks still held on the prefill pod: " + harness.Prefill[0].HeldKvBlocks);
    }

    /// <summary>Every member the router edits, duplicates included, holds the prefill leg's value.</summary>
    private static void AssertIsAPrefillBody(byte[] body)
    {
        using JsonDocument document = JsonDocument.Parse(body);
        string text = Encoding.UTF8.GetString(body);
        int kvParams = 0;
        foreach (JsonProperty member in document.RootElement.EnumerateObject())
        {
            switch (member.Name)
            {
                case "max_tokens" or "max_completion_tokens" or "n":
                    Assert.True(member.Value.ValueKind == JsonValueKind.Number && member.Value.GetInt32() == 1, text);
                    break;
                case "stream":
                    Assert.True(member.Value.ValueKind == JsonValueKind.False, text);
                    break;
                case "stream_options" or "min_tokens" or "min_completion_tokens":
                    Assert.Fail("the prefill body keeps " + member.Name + ": " + text);
                    break;
                case "kv_transfer_params":
                    kvParams++;
                    Assert.True(member.Value.GetProperty("do_remote_decode").GetBoolean(), text);
                    break;
            }
        }

        Assert.True(kvParams == 1, text);
    }
}
