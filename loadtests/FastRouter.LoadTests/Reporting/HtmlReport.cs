using FastRouter.LoadTests.Running;

namespace FastRouter.LoadTests.Reporting;

internal static class HtmlReport
{
    public static string Render(RunSummary summary, RunResult result) => "<html></html>";
}
