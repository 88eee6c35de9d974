using System.Diagnostics;
using FastRouter.Tests.Harness;
using Xunit.Abstractions;
using Xunit.Sdk;

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

    /// <param name="diagnostics">
    /// xunit's diagnostic sink: what it is given is printed in `dotnet test`'s own output (xunit.runner.json turns
    /// diagnostic messages on), where Console.WriteLine from a fixture is swallowed. So a run that tests the JIT build
    /// instead of the product says so where people read.
    /// </param>
    public AotBinaryFixture(IMessageSink diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        Locate();
        diagnostics.OnMessage(new DiagnosticMessage(IsNative
            ? "process tests run the native AOT binary " + BinaryPath
            : "WARNING: clang is not installed, so the process tests (Aot*) run the JIT build " + BinaryPath + ", not the native AOT binary (see README)"));
    }

    private void Locate()
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
    }

    public string BinaryPath { get; private set; } = "";

    /// <summary>True when <see cref="BinaryPath"/> is the native AOT binary.</summary>
    public bool IsNative { get; private set; }

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
