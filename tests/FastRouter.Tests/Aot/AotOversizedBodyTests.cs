using System.Globalization;
using FastRouter.Tests.Proxying;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Aot;

/// <summary>
/// The native binary's 413 for an oversized body (the in-process <c>OversizedBodyTests</c>, against the product): a
/// client that writes its whole body before reading gets the 413, and one that keeps sending is cut off at the bound.
/// </summary>
[Collection(AotCollection.Name)]
public sealed class AotOversizedBodyTests(AotBinaryFixture fixture)
{
    private const long BodyLength = 8 * 1024 * 1024;
    private const long DiscardBound = 16 * 1024 * 1024;

    private readonly string _binary = fixture.BinaryPath;

    [Fact]
    public async Task AClientThatWritesEverythingBeforeReading_Gets413_AndOneSendingPastTheBound_IsCutOff()
    {
        int port = FreePort.Get();
        using NativeProcess router = NativeProcess.Start(
            _binary,
            "--demo", "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture),
            "--max-request-body-bytes", "1MiB", "--max-discarded-body-bytes", "16MiB", "--discard-body-idle-timeout", "30");
        var address = new Uri("http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture));
        using (var probe = new HttpClient { BaseAddress = address })
        {
            await router.WaitUntilServingAsync(probe, "/livez");
        }

        foreach (bool chunked in (bool[])[false, true])
        {
            RawHttpResponse response = await WriteThenReadClient.PostAsync(address, BodyLength, chunked, TimeSpan.FromSeconds(30));
            OversizedBodyTests.AssertIs413(response);
        }

        (long sent, byte[] received) = await WriteThenReadClient.SendUntilCutAsync(address, TimeSpan.FromSeconds(60));
        OversizedBodyTests.AssertIs413(RawHttpResponse.Parse(received, out _));
        Assert.InRange(sent, DiscardBound, DiscardBound + (64L * 1024 * 1024));
        Assert.False(router.HasExited, router.Output);
    }
}
