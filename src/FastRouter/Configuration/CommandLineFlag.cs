namespace FastRouter.Configuration;

/// <summary>One flag the parser knows: how it is spelled, whether it takes a value, and what help says about it.</summary>
/// <param name="Name">The long name with its dashes, for example <c>--port</c>.</param>
/// <param name="Metavar">The value's placeholder in the help text; null for a switch (argparse's store_true).</param>
/// <param name="Group">The help section.</param>
/// <param name="Help">One sentence for the help text.</param>
/// <param name="DefaultText">The default as shown in the help text; null when there is nothing useful to show.</param>
internal sealed record CommandLineFlag(string Name, string? Metavar, FlagGroup Group, string Help, string? DefaultText, bool Repeatable = false)
{
    /// <summary>True for flags that are given alone, like <c>--log-stats</c>.</summary>
    public bool IsSwitch => Metavar is null;
}
