using System.Text;
using FastRouter.Configuration;
using FastRouter.Discovery.Kubernetes;
using FastRouter.Tests.Harness;
using FastRouter.Tests.Support;
using Microsoft.Extensions.Logging;

namespace FastRouter.Tests.Discovery;

/// <summary>Kubeconfig files, fast settings and polling waits shared by the discovery tests.</summary>
internal static class KubernetesTestSupport
{
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How often the tests' discovery checks removed pods for having drained.</summary>
    public static readonly TimeSpan DrainPollInterval = TimeSpan.FromMilliseconds(50);

    public static RouterOptions Options(int port = 9, string selector = "app in (prefill,decode)", string? @namespace = null) => new()
    {
        ServiceDiscovery = ServiceDiscoveryMode.Kubernetes,
        KubernetesLabelSelector = selector,
        KubernetesNamespace = @namespace,
        KubernetesPort = port,
        PrefillModelLabels = ["prefill"],
        DecodeModelLabels = ["decode"],
        ConnectTimeout = TimeSpan.FromSeconds(1),
    };

    /// <summary>Short delays so retries happen within a test; the environment points only at temp files.</summary>
    public static KubernetesDiscoverySettings Settings(KubernetesEnvironment environment) => new()
    {
        Environment = environment,
        InitialBackoff = TimeSpan.FromMilliseconds(50),
        MaxBackoff = TimeSpan.FromMilliseconds(200),
        ModelProbeInitialBackoff = TimeSpan.FromMilliseconds(50),
        ModelProbeMaxBackoff = TimeSpan.FromMilliseconds(200),
        DrainPollInterval = DrainPollInterval,
        RetireGrace = TimeSpan.Zero,
        RequestTimeout = TimeSpan.FromSeconds(5),
        MinimumWatchDuration = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>A kubeconfig with one context; <paramref name="user"/> is the YAML of the user entry's fields.</summary>
    public static string WriteKubeconfig(string directory, Uri server, string user, string? @namespace = "vllm", string? clusterExtra = null)
    {
        var yaml = new StringBuilder()
            .AppendLine("apiVersion: v1")
            .AppendLine("kind: Config")
            .AppendLine("current-context: test")
            .AppendLine("clusters:")
            .AppendLine("- name: fake")
            .AppendLine("  cluster:")
            .AppendLine("    server: " + server.ToString().TrimEnd('/'));
        if (clusterExtra is not null)
        {
            yaml.AppendLine("    " + clusterExtra);
        }

        yaml.AppendLine("contexts:")
            .AppendLine("- name: test")
            .AppendLine("  context:")
            .AppendLine("    cluster: fake")
            .AppendLine("    user: tester");
        if (@namespace is not null)
        {
            yaml.AppendLine("    namespace: " + @namespace);
        }

        yaml.AppendLine("users:")
            .AppendLine("- name: tester")
            .AppendLine("  user:");
        foreach (string line in user.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            yaml.AppendLine("    " + line.TrimEnd());
        }

        string path = Path.Combine(directory, "kubeconfig");
        File.WriteAllText(path, yaml.ToString());
        return path;
    }

    public static KubernetesEnvironment KubeconfigEnvironment(string path) => new()
    {
        KubeconfigVariable = path,
        ServiceAccountDirectory = Path.Combine(Path.GetTempPath(), "fastrouter-no-service-account"),
    };

    public static async Task WaitUntilAsync(Func<bool> condition, string what) =>
        Assert.True(await Eventually.TrueAsync(condition, WaitTimeout), "Timed out waiting for: " + what);

    public static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    public static ILoggerFactory LoggerFactoryFor(CapturingLoggerProvider logs) =>
        Microsoft.Extensions.Logging.LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(logs));
}
