using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Proxying;

/// <summary>
/// Requests broken at random (<see cref="HostileRequests"/>): whatever the bytes, the router answers with a
/// completion or an OpenAI-shaped client error, never a 5xx while its pods are healthy, never hangs, and leaves no
/// KV block held on the prefill pod. The hand-picked cases live in <see cref="BadInputTests"/>; this covers what
/// nobody picked. It found decode rejections that stranded the prefill's KV (<c>DecodeRejectionTests</c>).
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
        Assert.True(
            await Eventually.TrueAsync(() => harness.Prefill[0].HeldKvBlocks == 0, TimeSpan.FromSeconds(5)),
            "KV blocks still held on the prefill pod: " + harness.Prefill[0].HeldKvBlocks);
    }
}
