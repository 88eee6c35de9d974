using FastRouter.Configuration;
using FastRouter.Tests.Harness;

namespace FastRouter.Tests.Configuration;

/// <summary>Shared arguments and helpers; the environment is always a fake so tests never see the real VLLM_API_KEY.</summary>
internal static class CommandLineTestHelpers
{
    /// <summary>The seed's router arguments, with static discovery instead of k8s.</summary>
    public static readonly string[] SeedStaticArgs =
    [
        "--service-discovery", "static",
        "--static-backends", "http://10.0.0.1:8000,http://10.0.0.2:8000",
        "--static-model-labels", "prefill,decode",
        "--static-models", "llama31-8b,llama31-8b",
        "--routing-logic", "disaggregated_prefill_orchestrated",
        "--prefill-model-labels", "prefill",
        "--decode-model-labels", "decode",
    ];

    /// <summary>The smallest valid static command line.</summary>
    public static readonly string[] MinimalArgs =
    [
        "--static-backends", "http://10.0.0.1:8000,http://10.0.0.2:8000",
        "--static-model-labels", "prefill,decode",
        "--prefill-model-labels", "prefill",
        "--decode-model-labels", "decode",
    ];

    public static CommandLineResult Parse(params string[] args) => RouterCommandLine.Parse(args, _ => null);

    public static CommandLineResult Parse(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        RouterCommandLine.Parse(args, name => environment.TryGetValue(name, out string? value) ? value : null);

    /// <summary>The minimal valid line plus <paramref name="extra"/>.</summary>
    public static CommandLineResult ParseWith(params string[] extra) => Parse([.. MinimalArgs, .. extra]);

    /// <summary>The Default column of <paramref name="flag"/>'s row in docs/command-line.md, without backticks.</summary>
    public static string DocumentedDefault(string flag)
    {
        string[] lines = File.ReadAllLines(Path.Combine(RepositoryRoot.Path, "docs", "command-line.md"));
        string row = Assert.Single(lines, l => l.StartsWith("| `" + flag, StringComparison.Ordinal) && (l[("| `" + flag).Length] is ' ' or '`'));
        return row.Split('|')[2].Trim().Trim('`');
    }

    public static RouterOptions AssertRuns(CommandLineResult result)
    {
        Assert.True(result.Options is not null, "expected options, got error: " + result.Error);
        Assert.Equal(0, result.ExitCode);
        Assert.Null(result.Error);
        return result.Options!;
    }

    /// <summary>Exit code 2, the argparse prefix, and every fragment (flag name, bad value) in the message.</summary>
    public static string AssertFails(CommandLineResult result, params string[] fragments)
    {
        Assert.Null(result.Options);
        Assert.Equal(2, result.ExitCode);
        Assert.NotNull(result.Error);
        Assert.StartsWith("fastrouter: error: ", result.Error, StringComparison.Ordinal);
        foreach (string fragment in fragments)
        {
            Assert.Contains(fragment, result.Error, StringComparison.Ordinal);
        }

        return result.Error!;
    }
}
