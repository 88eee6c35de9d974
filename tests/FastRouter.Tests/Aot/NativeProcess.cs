using System.Diagnostics;
using System.Net;
using System.Text;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Aot;

/// <summary>A process of the AOT binary, its output captured, killed on dispose.</summary>
internal sealed class NativeProcess : IDisposable
{
    /// <summary>How long a started process may take to listen, or to turn ready: a hang's limit, not a measure.</summary>
    private static readonly TimeSpan ServingLimit = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NativeProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public static NativeProcess Start(string binary, params string[] args) => Start(binary, new Dictionary<string, string>(), args);

    public static NativeProcess Start(string binary, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo(binary, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment.Remove("VLLM_API_KEY");
        info.Environment.Remove("KUBECONFIG");

        // The runtime settings the binary chooses for itself are under test; an in-process test that flips one of
        // these for a moment must not leak it into a binary started meanwhile.
        info.Environment.Remove("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS");
        info.Environment.Remove("DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT");
        foreach ((string name, string value) in environment)
        {
            info.Environment[name] = value;
        }

        return new NativeProcess(Process.Start(info)!);
    }

    public int Id => _process.Id;

    /// <summary>How many of the process's threads carry <paramref name="name"/> (Linux: /proc/PID/task/*/comm).</summary>
    public int CountThreadsNamed(string name)
    {
        int count = 0;
        foreach (string task in Directory.GetDirectories($"/proc/{_process.Id}/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == name)
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // The thread ended while the directory was read.
            }
        }

        return count;
    }

    /// <summary>Sends SIGTERM, as Kubernetes does when it stops a pod.</summary>
    public void Terminate()
    {
        using Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    /// <summary>
    /// The arguments of a router on 127.0.0.1:<paramref name="port"/> in front of one prefill and one decode pod, as
    /// the seed's static deployment gives them; a test appends what it is about.
    /// </summary>
    public static string[] PodPairArguments(int port, Uri prefill, Uri decode, params string[] more)
    {
        ArgumentNullException.ThrowIfNull(prefill);
        ArgumentNullException.ThrowIfNull(decode);
        return
        [
            "--host", "127.0.0.1",
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"--static-backends={prefill.GetLeftPart(UriPartial.Authority)},{decode.GetLeftPart(UriPartial.Authority)}",
            "--static-model-labels=prefill,decode",
            "--prefill-model-labels=prefill",
            "--decode-model-labels=decode",
            .. more,
        ];
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>Runs to completion and returns the exit code.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string binary, params string[] args)
    {
        using NativeProcess process = Start(binary, args);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process._process.WaitForExitAsync(timeout.Token);
        process._process.WaitForExit(); // drains the asynchronous output readers
        return (process._process.ExitCode, process.Output);
    }

    /// <summary>Waits until <paramref name="url"/> answers at all (the process is up and listening).</summary>
    public Task WaitUntilServingAsync(HttpClient client, string url) =>
        WaitUntilServingAsync(client, url, _process, () => Output);

    /// <summary>
    /// As the instance method, for a process started by hand (one whose output must stay unread):
    /// <paramref name="describe"/> says what it wrote, for the failure message.
    /// </summary>
    public static async Task WaitUntilServingAsync(HttpClient client, string url, Process process, Func<string> describe)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(describe);
        bool serving = await Eventually.TrueAsync(
            async () =>
            {
                Assert.False(process.HasExited, "the process exited early:\n" + describe());
                try
                {
                    using HttpResponseMessage response = await client.GetAsync(url);
                    return true;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            ServingLimit);
        Assert.True(serving, "not serving " + url + " after 20 s:\n" + describe());
    }

    /// <summary>Waits until <paramref name="path"/> answers <paramref name="status"/> (readiness following discovery).</summary>
    public async Task WaitForStatusAsync(HttpClient client, string path, HttpStatusCode status)
    {
        ArgumentNullException.ThrowIfNull(client);
        bool reached = await Eventually.TrueAsync(
            async () =>
            {
                using HttpResponseMessage response = await client.GetAsync(path);
                return response.StatusCode == status;
            },
            ServingLimit);
        Assert.True(reached, $"{path} never answered {status}:\n{Output}");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
