namespace FastRouter.LoadTests.Overload;

/// <summary>The <c>overload</c> scenario's settings, as parsed from the command line. Immutable.</summary>
internal sealed record OverloadOptions
{
    /// <summary>The router's base URL.</summary>
    public required Uri Target { get; init; }

    /// <summary>Simulator pods whose <c>/sim/stats</c> are read at the end.</summary>
    public IReadOnlyList<Uri> Pods { get; init; } = [];

    /// <summary>What the fleet serves, in requests per second; the offered load is a multiple of it.</summary>
    public required double Capacity { get; init; }

    /// <summary>Offered load as a multiple of <see cref="Capacity"/>, both clients together.</summary>
    public double Load { get; init; } = 2;

    /// <summary>The heavy client's rate over the light one's; 0 = the light client alone.</summary>
    public double HeavyFactor { get; init; } = 10;

    /// <summary>Share (0..1) of each client's requests sent in the high band (<c>x-request-priority: 0</c>).</summary>
    public double HighShare { get; init; } = 0.25;

    /// <summary>Sent as <c>x-request-queue-timeout</c> on every request.</summary>
    public TimeSpan QueueTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>A request with no complete answer this long after it was due counts as hanging and is cut.</summary>
    public TimeSpan HangTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public int MaxTokens { get; init; } = 4;

    public int PromptBytes { get; init; } = 1600;

    /// <summary>Arrivals happen during this window; the run then waits for the answers (at most the hang timeout).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    public string Model { get; init; } = "llama31-8b";

    public int Seed { get; init; } = 1;

    public required string Name { get; init; }

    public required string OutputDirectory { get; init; }

    public bool Progress { get; init; } = true;

    /// <summary>Total offered rate (requests/s) of both clients.</summary>
    public double OfferedRate => Load * Capacity;

    /// <summary>The light client's rate: its one part of the offered rate's 1 + heavy-factor parts.</summary>
    public double LightRate => OfferedRate / (1 + HeavyFactor);

    public double HeavyRate => LightRate * HeavyFactor;
}
