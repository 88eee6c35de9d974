namespace FastRouter.Configuration;

/// <summary>
/// A refused command line, thrown inside the parser and turned into <see cref="CommandLineResult.Fail"/> by
/// <see cref="RouterCommandLine.Parse"/>. An exception keeps the many checks readable (one line each) and never
/// escapes the parser; this runs once at start-up, so its cost does not matter.
/// </summary>
internal sealed class CommandLineException : Exception
{
    public CommandLineException()
    {
    }

    /// <param name="message">Without the <c>fastrouter: error: </c> prefix, which the parser adds.</param>
    public CommandLineException(string message)
        : base(message)
    {
    }

    public CommandLineException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
