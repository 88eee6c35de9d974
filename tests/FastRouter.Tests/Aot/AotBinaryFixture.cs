using System.Diagnostics;

namespace FastRouter.Tests.Aot;

/// <summary>
/// The published native AOT binary, the product itself. CI publishes it first (with warnings as errors) and
/// names it in FASTROUTER_AOT_BINARY; a developer's plain `dotnet test` publishes it here once per run.
/// </summary>
public sealed class AotBinaryFixture
{
    public const string EnvironmentVariable = "FASTROUTER_AOT_BINARY";

    public AotBinaryFixture()
    {
        string? given = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(given))
        {
            Assert.True(File.Exists(given), $"{EnvironmentVariable} names {given}, which does not exist.");
            BinaryPath = Path.GetFullPath(given);
            return;
        }

        string root = FindRepositoryRoot();
        string output = Path.Combine(root, "artifacts", "aot-test");
        using var publish = Process.Start(new ProcessStartInfo("dotnet", ["publish", Path.Combine(root, "src", "FastRouter.Aot"), "-c", "Release", "-o", output, "-nologo"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        string log = publish.StandardOutput.ReadToEnd() + publish.StandardError.ReadToEnd();
        publish.WaitForExit();
        Assert.True(publish.ExitCode == 0, "dotnet publish of the AOT binary failed:\n" + log);
        BinaryPath = Path.Combine(output, "fastrouter");
    }

    public string BinaryPath { get; }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FastRouter.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("FastRouter.sln not found above " + AppContext.BaseDirectory);
    }
}
