// A plain YARP forwarder, one hop: every request on 127.0.0.1:--port goes to --target unchanged.
// It exists as a reference, not as part of the product: loadtests/bench.sh drives it with the same wrk load as the
// router, on the same machine and in the same minutes, so the router's CPU per request can be read as a multiple
// of a YARP hop even though this machine's speed drifts too much for absolute figures to compare across runs.
//
//   dotnet artifacts/yarp-reference/YarpReference.dll --port 18010 --target http://127.0.0.1:18200

var builder = WebApplication.CreateSlimBuilder(args);
var target = builder.Configuration["target"];
var port = builder.Configuration["port"];
if (string.IsNullOrEmpty(target) || !int.TryParse(port, out var listenPort))
{
    await Console.Error.WriteLineAsync("usage: YarpReference --port PORT --target URL").ConfigureAwait(false);
    return 2;
}

// No per-request logging: the reference should cost what the forwarding costs.
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{listenPort}");
builder.Services.AddHttpForwarder();

var app = builder.Build();
app.MapForwarder("/{**catch-all}", target);
await app.RunAsync().ConfigureAwait(false);
return 0;
