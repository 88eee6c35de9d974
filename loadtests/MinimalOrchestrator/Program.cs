// The design floor: the least a .NET orchestrator built from the router's parts (Kestrel, two SocketsHttpHandler
// legs) does for the benchmark's request, and nothing more: no validation, routing, pod choice, retries, timeouts,
// metrics, tracing or logging, every body copied into a new array. For the wrk body only: it turns
// "max_tokens":64 into 1 by a byte search and splices kv_transfer_params in before the body's last brace.
// A reference, not part of the product: loadtests/bench.sh runs it in the same rounds as the router, so the
// difference between the two is what the router's own work costs (docs/benchmarks.md, "The design floor").
//
//   dotnet artifacts/minimal-orchestrator/MinimalOrchestrator.dll --port 18022 --prefill http://127.0.0.1:18100 --decode http://127.0.0.1:18200

using System.Net;
using System.Net.Http.Headers;

// The router's runtime settings (docs/benchmarks.md, "Runtime settings"): socket completions run inline on one
// socket thread per two cores, and Kestrel runs the application on them too; workstation non-concurrent GC (csproj).
Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
Environment.SetEnvironmentVariable(
    "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT",
    Math.Max(1, Environment.ProcessorCount / 2).ToString(System.Globalization.CultureInfo.InvariantCulture));

var builder = WebApplication.CreateSlimBuilder(args);
string? port = builder.Configuration["port"];
string? prefillUrl = builder.Configuration["prefill"];
string? decodeUrl = builder.Configuration["decode"];
if (!int.TryParse(port, out int listenPort) || string.IsNullOrEmpty(prefillUrl) || string.IsNullOrEmpty(decodeUrl))
{
    await Console.Error.WriteLineAsync("usage: MinimalOrchestrator --port PORT --prefill URL --decode URL").ConfigureAwait(false);
    return 2;
}

builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{listenPort}");
builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
var app = builder.Build();

using var prefill = NewLeg();
using var decode = NewLeg();
var prefillUri = new Uri(prefillUrl + "/v1/chat/completions");
var decodeUri = new Uri(decodeUrl + "/v1/chat/completions");
byte[] maxTokens64 = "\"max_tokens\":64"u8.ToArray();
byte[] maxTokens1 = "\"max_tokens\":1 "u8.ToArray();
byte[] kvRequest = ",\"kv_transfer_params\":{\"do_remote_decode\":true,\"do_remote_prefill\":false,\"remote_engine_id\":null,\"remote_block_ids\":null,\"remote_host\":null,\"remote_port\":null}}"u8.ToArray();
byte[] kvKey = "\"kv_transfer_params\":"u8.ToArray();
var json = new MediaTypeHeaderValue("application/json");

app.Run(async context =>
{
    if (!HttpMethods.IsPost(context.Request.Method))
    {
        return; // 200: bench.sh's readiness probe
    }

    CancellationToken aborted = context.RequestAborted;
    int length = (int)(context.Request.ContentLength ?? 0);
    byte[] body = new byte[length];
    await context.Request.Body.ReadExactlyAsync(body, aborted).ConfigureAwait(false);

    // Prefill: the body with max_tokens 1 and the kv request in place of its last brace.
    byte[] prefillBody = new byte[length - 1 + kvRequest.Length];
    body.AsSpan(0, length - 1).CopyTo(prefillBody);
    int maxTokens = prefillBody.AsSpan().IndexOf(maxTokens64);
    if (maxTokens >= 0)
    {
        maxTokens1.CopyTo(prefillBody.AsSpan(maxTokens));
    }

    kvRequest.CopyTo(prefillBody.AsSpan(length - 1));
    using var prefillRequest = new HttpRequestMessage(HttpMethod.Post, prefillUri) { Content = new ByteArrayContent(prefillBody) };
    prefillRequest.Content.Headers.ContentType = json;
    using HttpResponseMessage prefillAnswer = await prefill.SendAsync(prefillRequest, aborted).ConfigureAwait(false);
    byte[] answer = await prefillAnswer.Content.ReadAsByteArrayAsync(aborted).ConfigureAwait(false);

    // Decode: the client's body with the answer's kv_transfer_params member in place of its last brace.
    int kvStart = answer.AsSpan().IndexOf(kvKey);
    int kvEnd = kvStart;
    for (int depth = 0; kvStart >= 0 && kvEnd < answer.Length; kvEnd++)
    {
        if (answer[kvEnd] == (byte)'{')
        {
            depth++;
        }
        else if (answer[kvEnd] == (byte)'}' && --depth == 0)
        {
            kvEnd++;
            break;
        }
    }

    int kvLength = kvStart >= 0 ? kvEnd - kvStart : 0;
    byte[] decodeBody = new byte[length + 1 + kvLength];
    body.AsSpan(0, length - 1).CopyTo(decodeBody);
    decodeBody[length - 1] = (byte)',';
    answer.AsSpan(Math.Max(kvStart, 0), kvLength).CopyTo(decodeBody.AsSpan(length));
    decodeBody[^1] = (byte)'}';
    using var decodeRequest = new HttpRequestMessage(HttpMethod.Post, decodeUri) { Content = new ByteArrayContent(decodeBody) };
    decodeRequest.Content.Headers.ContentType = json;
    using HttpResponseMessage decodeAnswer = await decode.SendAsync(decodeRequest, aborted).ConfigureAwait(false);

    context.Response.StatusCode = (int)decodeAnswer.StatusCode;
    context.Response.ContentType = decodeAnswer.Content.Headers.ContentType?.ToString();
    context.Response.ContentLength = decodeAnswer.Content.Headers.ContentLength;
    await decodeAnswer.Content.CopyToAsync(context.Response.Body, aborted).ConfigureAwait(false);
});

await app.RunAsync().ConfigureAwait(false);
return 0;

// Pooled connections per pod as the router keeps them: no proxy, no decompression, idle below vLLM's 5 s keep-alive;
// an invoker, not an HttpClient, as in the router: no timeout of its own, answers returned once their headers are in.
static HttpMessageInvoker NewLeg() => new(new SocketsHttpHandler
{
    UseProxy = false,
    AllowAutoRedirect = false,
    UseCookies = false,
    AutomaticDecompression = DecompressionMethods.None,
    PooledConnectionIdleTimeout = TimeSpan.FromSeconds(4),
});
