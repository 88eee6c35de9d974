using BenchmarkDotNet.Running;

namespace FastRouter.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project loadtests/FastRouter.Benchmarks -- --filter '*'</c>; with <c>alloc-probe</c> first,
/// the end-to-end allocation probe (<see cref="AllocationProbe"/>) instead.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "alloc-probe")
        {
            return AllocationProbe.RunAsync(args[1..]).GetAwaiter().GetResult();
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
