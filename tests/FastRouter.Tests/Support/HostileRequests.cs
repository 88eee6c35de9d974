using System.Net;
using System.Text;
using System.Text.Json;
using FastRouter.Tests.Harness;

namespace FastRouter.Tests.Support;

/// <summary>
/// Requests broken at random from a seed (so a failure replays), and the check every answer to one must pass: a
/// completion, or an OpenAI-shaped error that is not a 5xx (the pods are healthy; only the request is bad), within a
/// time limit. Half are valid requests with bytes flipped, cut, inserted or repeated; half are JSON objects of members
/// the router edits or routes on, with values of the right type and of wrong ones, in any order, some twice.
/// </summary>
internal static class HostileRequests
{
    private static readonly string[] Seeds =
    [
        """{"model":"llama31-8b","messages":[{"role":"user","content":"Hello there"}],"max_tokens":4}""",
        """{"model":"llama31-8b","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi \"you\" \u00e9"}],"max_tokens":3,"stream":true,"stream_options":{"include_usage":true}}""",
        """{"model":"llama31-8b","prompt":"Once upon","max_tokens":2,"temperature":0.5,"n":1}""",
        """{"model":"llama31-8b","prompt":["a","b"],"max_completion_tokens":2,"stream":false,"kv_transfer_params":{"do_remote_decode":false}}""",
    ];

    /// <summary>Fragments that change a request's structure or the fields the router edits.</summary>
    private static readonly string[] Fragments =
    [
        "\"", "\\", "{", "}", "[", "]", ",", ":", "null", "true", "-1", "0", "1e309", "18446744073709551616",
        "\"\\u0000\"", "\"\\ud800\"", "\"max_tokens\":", "\"max_tokens\":-5,", "\"max_tokens\":0,", "\"stream\":true,",
        "\"stream\":\"yes\",", "\"model\":\"other\",", "\"model\":null,", "\"n\":3,",
        "\"kv_transfer_params\":{\"remote_host\":\"localhost\"},", "\"kv_transfer_params\":null,",
        "\"stream_options\":{\"include_usage\":false},", "\"max_tokens\":4,\"max_tokens\":",
    ];

    /// <summary>Members for requests that stay valid JSON: each name with values of the right type and of wrong ones.</summary>
    private static readonly (string Name, string[] Values)[] Members =
    [
        ("model", ["\"llama31-8b\"", "\"llama31-8b\"", "\"llama31-8b\"", "\"other\"", "\"\"", "null", "17", "\"llama31-8b\\u0000\""]),
        ("messages", ["[{\"role\":\"user\",\"content\":\"Hi\"}]", "[{\"role\":\"user\",\"content\":\"Hi\"}]", "[]", "\"Hi\"", "[{\"role\":\"user\"}]", "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"x\"}]}]", "null"]),
        ("prompt", ["\"Once\"", "\"Once\"", "[\"a\",\"b\"]", "[1,2,3]", "\"\"", "null", "5"]),
        ("max_tokens", ["4", "1", "0", "-1", "10000", "1e3", "2.5", "\"4\"", "null", "100000000000", "true"]),
        ("max_completion_tokens", ["2", "0", "-3", "null", "\"2\""]),
        ("stream", ["true", "false", "null", "\"true\"", "1"]),
        ("stream_options", ["{\"include_usage\":true}", "{\"include_usage\":\"yes\"}", "null", "[]", "{\"continuous_usage_stats\":true}"]),
        ("n", ["1", "2", "0", "-1", "null"]),
        ("kv_transfer_params", ["{\"do_remote_decode\":false}", "null", "\"x\"", "{\"remote_host\":\"localhost\",\"remote_port\":\"x\"}", "[]"]),
        ("temperature", ["0.5", "-1", "\"hot\"", "null"]),
        ("min_tokens", ["1", "-1", "\"1\"", "99"]),
        ("foo", ["{\"nested\":[1,{\"a\":null}]}", "\"\\ud83d\\ude00\""]),
    ];

    private static readonly byte[] HostileBytes = [0x00, 0x0A, 0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x2D, 0x30, 0x39, 0x65, 0x80, 0xC3, 0xFF];

    /// <summary>The next request: a path (chat or completions) and a body.</summary>
    public static (string Path, byte[] Body) Next(Random random)
    {
        string path = random.Next(2) == 0 ? "/v1/chat/completions" : "/v1/completions";
        byte[] body = random.Next(2) == 0
            ? Mutate(Encoding.UTF8.GetBytes(Seeds[random.Next(Seeds.Length)]), random)
            : Encoding.UTF8.GetBytes(Compose(random));
        return (path, body);
    }

    /// <summary>
    /// Sends one request and checks its answer; <paramref name="replay"/> names the case in a failure. Returns true
    /// when it was served (200), false when it got a client error.
    /// </summary>
    public static async Task<bool> SendAndCheckAsync(HttpClient client, string path, byte[] body, string replay)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        string text = await response.Content.ReadAsStringAsync(timeout.Token);
        int status = (int)response.StatusCode;
        replay += $": POST {path} {Convert.ToBase64String(body)} (base64) got {status} {text}";

        Assert.True(status < 500, replay);
        if (status != (int)HttpStatusCode.OK)
        {
            OpenAiErrorAssert.IsError(response, text, status);
            return false;
        }

        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            List<string> events = SseReader.Parse(text);
            Assert.True(events.Count > 0 && events[^1] == "[DONE]", replay);
            return true;
        }

        using JsonDocument document = JsonDocument.Parse(text);
        Assert.True(document.RootElement.TryGetProperty("choices", out _), replay);
        return true;
    }

    /// <summary>A JSON object of members picked at random, in random order, some twice (the last one wins).</summary>
    private static string Compose(Random random)
    {
        var body = new StringBuilder("{");
        int count = 2 + random.Next(6);
        for (int i = 0; i < count; i++)
        {
            // The model and the prompt or messages most of the time, so that many requests get as far as the pods.
            (string name, string[] values) = i switch
            {
                0 when random.Next(8) > 0 => Members[0],
                1 when random.Next(8) > 0 => Members[1 + random.Next(2)],
                _ => Members[random.Next(Members.Length)],
            };
            body.Append(i == 0 ? "" : ",").Append('"').Append(name).Append("\":").Append(values[random.Next(values.Length)]);
        }

        return body.Append('}').ToString();
    }

    private static byte[] Mutate(byte[] body, Random random)
    {
        var bytes = new List<byte>(body);
        int mutations = 1 + random.Next(3);
        for (int m = 0; m < mutations && bytes.Count > 0; m++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0:
                    bytes[at] = HostileBytes[random.Next(HostileBytes.Length)];
                    break;
                case 1:
                    bytes.RemoveRange(at, Math.Min(1 + random.Next(8), bytes.Count - at));
                    break;
                case 2:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(Fragments[random.Next(Fragments.Length)]));
                    break;
                case 3:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                default:
                    int length = Math.Min(1 + random.Next(16), bytes.Count - at);
                    bytes.InsertRange(random.Next(bytes.Count), bytes.GetRange(at, length));
                    break;
            }
        }

        return [.. bytes];
    }
}
