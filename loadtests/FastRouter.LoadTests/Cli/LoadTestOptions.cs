using FastRouter.LoadTests.Scenarios;

namespace FastRouter.LoadTests.Cli;

/// <summary>One run's settings, as parsed from the command line. Immutable.</summary>
internal sealed record LoadTestOptions
{
    public const int DefaultClosedLoopConcurrency = 16;

    public const int DefaultOpenLoopMaxInFlight = 2048;

    /// <summary>The router (or any OpenAI-compatible server); null in direct mode.</summary>
    public Uri? Target { get; init; }

    /// <summary>Direct mode: the prefill pod, called first with max_tokens=1 and do_remote_decode.</summary>
    public Uri? DirectPrefill { get; init; }

    /// <summary>Direct mode: the decode pod, called with the prefill's kv_transfer_params.</summary>
    public Uri? DirectDecode { get; init; }

    public bool IsDirect => DirectPrefill is not null;

    public required Scenario Scenario { get; init; }

    /// <summary>Closed loop: the number of workers. Open loop: the most requests in flight at once.</summary>
    public int Concurrency { get; init; } = DefaultClosedLoopConcurrency;

    /// <summary>Open loop: Poisson arrivals at this mean rate (requests/s). Null: closed loop.</summary>
    public double? Rate { get; init; }

    public bool IsOpenLoop => Rate is not null;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long requests still in flight at the end may take to finish before they are cut.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest one request may take, from its (intended) send to its last byte.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(120);

    public LengthDistribution PromptTokens { get; init; } = LengthDistribution.Fixed(128);

    public LengthDistribution MaxTokens { get; init; } = LengthDistribution.Fixed(64);

    public string Model { get; init; } = "llama31-8b";

    /// <summary>The run's name, used in reports and the default output folder.</summary>
    public required string Name { get; init; }

    /// <summary>Where summary.json and report.html go.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Seeds the per-worker random sources and the arrival schedule, so two runs draw the same lengths.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Probe mode: GET this path kubelet-style instead of sending load (see <c>Probing/HealthProber</c>).</summary>
    public string? ProbePath { get; init; }

    public bool IsProbe => ProbePath is not null;

    /// <summary>Probe mode: time between probe starts (kubelet: periodSeconds).</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Probe mode: a probe not answered within this fails (kubelet: timeoutSeconds, default 1 s).</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Print the one-line-per-second progress.</summary>
    public bool Progress { get; init; } = true;
}
