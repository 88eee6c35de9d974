using System.Diagnostics;

namespace FastRouter.Tests.Support;

/// <summary>Runs a short python3 script, for checks against the HTTP clients Python users actually have.</summary>
internal static class PythonScript
{
    public static bool IsAvailable { get; } = FindOnPath("python3");

    /// <summary>Runs <paramref name="script"/> with <paramref name="args"/> as sys.argv[1:]; the exit code and all output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string script, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo("python3", ["-c", script, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Task<string> output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        Task<string> error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    private static bool FindOnPath(string program)
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
