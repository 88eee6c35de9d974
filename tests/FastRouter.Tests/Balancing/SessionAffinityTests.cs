using FastRouter.Balancing;
using Microsoft.AspNetCore.Http;

namespace FastRouter.Tests.Balancing;

/// <summary>--session-key: the header's value as the affinity key.</summary>
public sealed class SessionAffinityTests
{
    private static ulong KeyOf(string? value)
    {
        var headers = new HeaderDictionary();
        if (value is not null)
        {
            headers["X-Session"] = value;
        }

        return SessionAffinity.KeyOf(headers, "x-session");
    }

    [Fact]
    public void TheSameValue_GivesTheSameKey_AnotherValueAnother()
    {
        Assert.NotEqual(0UL, KeyOf("alice"));
        Assert.Equal(KeyOf("alice"), KeyOf("alice"));
        Assert.NotEqual(KeyOf("alice"), KeyOf("bob"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void NoValue_GivesNoKey(string? value) => Assert.Equal(0UL, KeyOf(value));
}
