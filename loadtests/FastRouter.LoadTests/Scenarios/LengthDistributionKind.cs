namespace FastRouter.LoadTests.Scenarios;

internal enum LengthDistributionKind
{
    Fixed,
    Uniform,
    Normal,
}
