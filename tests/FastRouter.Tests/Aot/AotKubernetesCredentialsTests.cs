using FastRouter.Tests.Discovery;

namespace FastRouter.Tests.Aot;

/// <summary>The binary started for Kubernetes discovery where there is no credential at all: a usage error, not a crash or a hang.</summary>
[Collection(AotCollection.Name)]
public sealed class AotKubernetesCredentialsTests(AotBinaryFixture fixture)
{
    [Fact]
    public async Task NoServiceAccountAndNoKubeconfig_ExitsTwo_WithAFastrouterErrorLine()
    {
        using var home = new TempDirectory();
        var environment = new Dictionary<string, string>
        {
            // Not in a pod (the kubelet sets these), and a home without ~/.kube/config; NativeProcess drops $KUBECONFIG.
            ["KUBERNETES_SERVICE_HOST"] = string.Empty,
            ["KUBERNETES_SERVICE_PORT"] = string.Empty,
            ["HOME"] = home.Path,
        };

        using NativeProcess router = NativeProcess.Start(
            fixture.BinaryPath,
            environment,
            "--service-discovery", "k8s",
            "--k8s-label-selector", "app in (prefill,decode)",
            "--prefill-model-labels", "prefill",
            "--decode-model-labels", "decode",
            "--port", "0");
        int exitCode = await router.WaitForExitAsync(TimeSpan.FromSeconds(30));
        string output = router.Output;

        Assert.True(exitCode == 2, $"exit code {exitCode}:\n{output}");
        Assert.Contains("fastrouter: error: ", output, StringComparison.Ordinal);
        Assert.Contains("needs Kubernetes credentials", output, StringComparison.Ordinal);
        Assert.Contains("~/.kube/config", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }
}
