namespace FastRouter.LoadTests.Overload;

/// <summary>The two priority bands: the value each sends as <c>x-request-priority</c> (lower is sooner).</summary>
internal static class OverloadBand
{
    public const int High = 0;
    public const int Low = 1;
    public const int Count = 2;

    public static string Name(int band) => band == High ? "high" : "low";

    public static string PriorityHeaderValue(int band) => band == High ? "0" : "1";
}
