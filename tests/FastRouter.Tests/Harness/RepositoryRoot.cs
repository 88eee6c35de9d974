namespace FastRouter.Tests.Harness;

/// <summary>The checkout the tests run from, found by walking up to FastRouter.sln.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "FastRouter.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("FastRouter.sln not found above " + AppContext.BaseDirectory);
    }
}
