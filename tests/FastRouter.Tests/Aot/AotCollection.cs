namespace FastRouter.Tests.Aot;

/// <summary>One publish of the binary for every AOT test class.</summary>
[CollectionDefinition(Name)]
public sealed class AotCollection : ICollectionFixture<AotBinaryFixture>
{
    public const string Name = "AOT binary";
}
