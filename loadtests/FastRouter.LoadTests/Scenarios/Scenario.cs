namespace FastRouter.LoadTests.Scenarios;

/// <summary>
/// A named workload: the request shapes it draws from (uniformly, one per request). Prompt and output lengths
/// come from the command line so one scenario serves short chats and long documents alike.
/// </summary>
internal sealed class Scenario
{
    public Scenario(string name, string description, IReadOnlyList<RequestShape> shapes)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shapes);
        if (shapes.Count == 0)
        {
            throw new ArgumentException("A scenario needs at least one request shape.", nameof(shapes));
        }

        Name = name;
        Description = description;
        Shapes = shapes;
    }

    public string Name { get; }

    public string Description { get; }

    public IReadOnlyList<RequestShape> Shapes { get; }

    /// <summary>True when any request of the scenario streams, so stream metrics (TTFT, ITL, TPOT) are expected.</summary>
    public bool Streams => Shapes.Any(s => s.Stream);

    public RequestShape Pick(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return Shapes.Count == 1 ? Shapes[0] : Shapes[random.Next(Shapes.Count)];
    }
}
