using System.Text;
using FastRouter.Proxying;

namespace FastRouter.Tests.Proxying;

/// <summary>An exchange as the flow leaves it before the decode answer: a request body, a prefill answer, a decode body of both.</summary>
internal static class FilledExchange
{
    public static async Task<ProxyExchange> CreateAsync()
    {
        var exchange = new ProxyExchange();
        byte[] request = Encoding.UTF8.GetBytes("{\"model\":\"m\",\"prompt\":\"hello\"}");
        byte[] answer = Encoding.UTF8.GetBytes("{\"kv_transfer_params\":{\"remote_host\":\"h\"}}");
        await exchange.RequestBody.ReadToEndAsync(new MemoryStream(request), request.Length, 1024, budget: null, CancellationToken.None);
        await exchange.PrefillAnswer.ReadToEndAsync(new MemoryStream(answer), answer.Length, 1024, budget: null, CancellationToken.None);
        exchange.DecodeBody.Add(exchange.RequestBody.Memory);
        exchange.DecodeBody.Add(exchange.PrefillAnswer.Memory);
        return exchange;
    }
}
