using System.Diagnostics;
using FastRouter.Tests.Harness;

namespace FastRouter.Tests.Aot;

/// <summary>
/// The `fastrouter` program as a process. CI publishes the native AOT binary first (warnings as errors) and
/// names it in FASTROUTER_AOT_BINARY, so there these tests run the product itself. A developer's plain
/// `dotnet test` publishes it here when the native toolchain (clang) is installed, and otherwise runs the
/// JIT build of the same program, so the README's test command works with nothing but the .NET SDK.
/// </summary>
public sealed class AotBinaryFixture
{
    public const string EnvironmentVariable = "FASTROUTER_AOT_BINARY";

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    public AotBinaryFixture()
    {
        string? given = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(given))
        {
            Assert.True(File.Exists(given), $"{EnvironmentVariable} names {given}, which does not exist.");
            BinaryPath = Path.GetFullPath(given);
            IsNative = true;
            return;
        }

        string root = RepositoryRoot.Path;
        string project = Path.Combine(root, "src", "FastRouter.Aot");
        if (IsOnPath("clang"))
        {
            string output = Path.Combine(root, "artifacts", "aot-test");
            Run("dotnet", "publish", project, "-c", "Release", "-o", output, "-nologo");
            BinaryPath = Path.Combine(output, "fastrouter");
            IsNative = true;
            return;
        }

        // No native toolchain: the solution build made the JIT apphost of the same program.
        string apphost = Path.Combine(project, "bin", Configuration, "net10.0", "fastrouter");
        if (!File.Exists(apphost))
        {
            Run("dotnet", "build", project, "-c", Configuration, "-nologo");
        }

        BinaryPath = apphost;
        IsNative = false;
        Console.WriteLine("clang is not installed: the process tests run the JIT build of fastrouter, not the native AOT binary (see README).");
    }

    public string BinaryPath { get; }

    /// <summary>True when <see cref="BinaryPath"/> is the native AOT binary.</summary>
    public bool IsNative { get; }

    private static void Run(string command, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(command, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string log = process.StandardOutput.ReadToEnd() + error.Result;
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', args)} failed:\n{log}");
    }

    private static bool IsOnPath(string program)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(directory, program)))
            {
                return true;
            }
        }

        return false;
    }
}
