using FastRouter.Hosting;

namespace FastRouter.Tests.Hosting;

/// <summary>The router turns inline socket completions on for itself, unless the operator said otherwise.</summary>
public sealed class InlineSocketCompletionsTests
{
    [Fact]
    public void EnableUnlessSet_SetsTheSwitchWhenAbsent_AndKeepsAnOperatorsValue()
    {
        string? original = Environment.GetEnvironmentVariable(InlineSocketCompletions.VariableName);
        try
        {
            Environment.SetEnvironmentVariable(InlineSocketCompletions.VariableName, null);
            InlineSocketCompletions.EnableUnlessSet();
            Assert.Equal("1", Environment.GetEnvironmentVariable(InlineSocketCompletions.VariableName));

            Environment.SetEnvironmentVariable(InlineSocketCompletions.VariableName, "0");
            InlineSocketCompletions.EnableUnlessSet();
            Assert.Equal("0", Environment.GetEnvironmentVariable(InlineSocketCompletions.VariableName));
        }
        finally
        {
            Environment.SetEnvironmentVariable(InlineSocketCompletions.VariableName, original);
        }
    }
}
