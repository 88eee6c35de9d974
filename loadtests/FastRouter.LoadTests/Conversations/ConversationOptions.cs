namespace FastRouter.LoadTests.Conversations;

/// <summary>The <c>conversations</c> scenario's settings, as parsed from the command line. Immutable.</summary>
internal sealed record ConversationOptions
{
    /// <summary>Router base URLs; each turn goes to one drawn uniformly at random (a random spreader).</summary>
    public required IReadOnlyList<Uri> Targets { get; init; }

    /// <summary>Simulator pods whose <c>/sim/stats</c> are read at the end (role comes from the stats).</summary>
    public IReadOnlyList<Uri> Pods { get; init; } = [];

    public int SystemPrompts { get; init; } = 4;

    public int SystemPromptBytes { get; init; } = 6144;

    /// <summary>Conversations started per second (Poisson arrivals).</summary>
    public double Rate { get; init; } = 1;

    public int Turns { get; init; } = 4;

    public int UserMessageBytes { get; init; } = 256;

    public int MaxTokens { get; init; } = 32;

    public TimeSpan ThinkTime { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Conversations that start within this time of the run's start are played and counted (successes, errors, the
    /// pods' work) but their TTFT and ITL are left out: the steady state, not the caches' first fill.
    /// </summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.Zero;

    /// <summary>Share of conversations (0..1) that use system prompt 0; 0 = all prompts equally likely.</summary>
    public double DominantSystemPromptShare { get; init; }

    /// <summary>Conversations start during this window; the run then waits for them to finish.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(120);

    public string Model { get; init; } = "llama31-8b";

    public int Seed { get; init; } = 1;

    public required string Name { get; init; }

    public required string OutputDirectory { get; init; }

    public bool Progress { get; init; } = true;
}
