using BenchmarkDotNet.Running;

namespace FastRouter.Benchmarks;

/// <summary><c>dotnet run -c Release --project loadtests/FastRouter.Benchmarks -- --filter '*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
