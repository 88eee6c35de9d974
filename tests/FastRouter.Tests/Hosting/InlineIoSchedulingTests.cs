using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FastRouter.Tests.Hosting;

/// <summary>Kestrel's inline scheduling follows <see cref="RouterOptions.InlineIoScheduling"/>, both ways.</summary>
public sealed class InlineIoSchedulingTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TheSocketTransport_SchedulesInlineExactlyWhenTheOptionsSaySo(bool inline)
    {
        var options = new RouterOptions { Host = "127.0.0.1", Port = 0, InlineIoScheduling = inline };
        WebApplication app = RouterHost.Build(options, new StaticDiscovery(options), _ => { });
        await using (app)
        {
            Assert.Equal(inline, app.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.UnsafePreferInlineScheduling);
        }
    }
}
