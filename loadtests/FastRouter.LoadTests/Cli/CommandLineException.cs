namespace FastRouter.LoadTests.Cli;

/// <summary>A command line that cannot be run; the message tells the user what to change.</summary>
internal sealed class CommandLineException : Exception
{
    public CommandLineException()
    {
    }

    public CommandLineException(string message)
        : base(message)
    {
    }

    public CommandLineException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
