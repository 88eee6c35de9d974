using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using FastRouter.Tests.Support;

namespace FastRouter.Tests.Engines;

/// <summary>A Kestrel app on loopback whose <c>/metrics</c> answers whatever <see cref="Answer"/> says, good or hostile; any other path is 404.</summary>
internal sealed class FakeMetricsPod : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeMetricsPod(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Writes the answer to one <c>/metrics</c> GET; swapped between scrapes by the test.</summary>
    public Func<HttpContext, Task> Answer { get; set; } = context => context.Response.WriteAsync("");

    public int Scrapes => Volatile.Read(ref _scrapes);

    public string? LastAuthorization { get; private set; }

    private int _scrapes;

    public static async Task<FakeMetricsPod> StartAsync()
    {
        int port = FreePort.Get();
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        WebApplication app = builder.Build();
        var pod = new FakeMetricsPod(app, new Uri("http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture)));
        app.Run(pod.HandleAsync);
        await app.StartAsync();
        return pod;
    }

    public static Func<HttpContext, Task> Text(string text) => context =>
    {
        context.Response.ContentType = "text/plain; version=0.0.4";
        return context.Response.WriteAsync(text);
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path.Value != "/metrics")
        {
            context.Response.StatusCode = 404;
            return Task.CompletedTask;
        }

        Interlocked.Increment(ref _scrapes);
        LastAuthorization = context.Request.Headers.Authorization.ToString();
        return Answer(context);
    }
}
