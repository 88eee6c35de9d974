namespace FastRouter.LoadTests.Overload;

/// <summary>The two clients of the scenario: their index in every table, name and API key.</summary>
internal static class OverloadClient
{
    public const int Heavy = 0;
    public const int Light = 1;
    public const int Count = 2;

    public static string Name(int client) => client == Heavy ? "heavy" : "light";

    /// <summary>The <c>Authorization</c> value: the router tells clients apart by it.</summary>
    public static string Authorization(int client) => "Bearer overload-" + Name(client);
}
