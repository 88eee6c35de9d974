using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace FastRouter.Discovery.Kubernetes;

/// <summary>
/// The two API calls discovery makes: list the selected pods of a namespace, and watch them from a
/// resourceVersion. The label selector goes to the API server as given (it evaluates every selector form:
/// <c>a=b</c>, <c>a!=b</c>, <c>a in (x,y)</c>, <c>a notin (x)</c>, <c>a</c>, <c>!a</c>, comma-joined).
/// </summary>
internal sealed class PodApi
{
    private const int MaxErrorBodyChars = 300;

    private readonly KubernetesConnection _connection;
    private readonly string _podsPath;
    private readonly string _selectorQuery;

    public PodApi(KubernetesConnection connection, string @namespace, string labelSelector)
    {
        _connection = connection;
        _podsPath = "api/v1/namespaces/" + Uri.EscapeDataString(@namespace) + "/pods";
        _selectorQuery = string.IsNullOrWhiteSpace(labelSelector) ? string.Empty : "labelSelector=" + Uri.EscapeDataString(labelSelector.Trim());
    }

    public Uri ListUri => new(_connection.ServerUri, _podsPath + (_selectorQuery.Length == 0 ? string.Empty : "?" + _selectorQuery));

    public Uri WatchUri(string resourceVersion, int timeoutSeconds)
    {
        var query = new StringBuilder(_podsPath).Append("?watch=true&allowWatchBookmarks=true&resourceVersion=")
            .Append(Uri.EscapeDataString(resourceVersion))
            .Append("&timeoutSeconds=").Append(timeoutSeconds.ToString(CultureInfo.InvariantCulture));
        if (_selectorQuery.Length > 0)
        {
            query.Append('&').Append(_selectorQuery);
        }

        return new Uri(_connection.ServerUri, query.ToString());
    }

    /// <exception cref="KubernetesApiException">The API server answered an error status.</exception>
    public async Task<PodList> ListAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, ListUri);
        request.Headers.Accept.ParseAdd("application/json");
        using HttpResponseMessage response = await _connection.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await ThrowIfErrorAsync(response, cancellationToken).ConfigureAwait(false);
        await using Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using JsonDocument document = await JsonDocument.ParseAsync(body, default, cancellationToken).ConfigureAwait(false);
        JsonElement root = document.RootElement;
        string resourceVersion = PodParser.ResourceVersionOf(root) ?? throw new KubernetesApiException(200, "the pod list has no metadata.resourceVersion");
        var pods = new List<PodInfo>();
        if (root.TryGetProperty("items", out JsonElement items) && items.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in items.EnumerateArray())
            {
                if (PodParser.TryParse(item) is { } pod)
                {
                    pods.Add(pod);
                }
            }
        }

        return new PodList(pods, resourceVersion);
    }

    /// <summary>
    /// Watches from <paramref name="resourceVersion"/>, handing each event to <paramref name="onEvent"/> as its line
    /// arrives; returns when the server ends the watch or <paramref name="onEvent"/> returns false.
    /// </summary>
    /// <param name="headersTimeout">Cancels the request if the response headers do not arrive in time.</param>
    /// <param name="onConnected">Called once the API server accepted the watch (a success status).</param>
    /// <exception cref="KubernetesApiException">The API server answered an error status (410 when the version expired).</exception>
    public async Task WatchAsync(string resourceVersion, int timeoutSeconds, Func<WatchEvent, bool> onEvent, CancellationTokenSource headersTimeout, Action onConnected, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onEvent);
        ArgumentNullException.ThrowIfNull(headersTimeout);
        ArgumentNullException.ThrowIfNull(onConnected);
        using var request = new HttpRequestMessage(HttpMethod.Get, WatchUri(resourceVersion, timeoutSeconds));
        request.Headers.Accept.ParseAdd("application/json");
        using HttpResponseMessage response = await _connection.SendAsync(request, cancellationToken).ConfigureAwait(false);

        // The stream itself is long-lived; only the wait for headers was bounded.
        headersTimeout.CancelAfter(Timeout.InfiniteTimeSpan);
        await ThrowIfErrorAsync(response, cancellationToken).ConfigureAwait(false);
        onConnected();
        await using Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (!onEvent(ParseEvent(line)))
            {
                return;
            }
        }
    }

    /// <summary>Decodes one watch line: <c>{"type":"ADDED","object":{...}}</c>.</summary>
    public static WatchEvent ParseEvent(string line)
    {
        using JsonDocument document = JsonDocument.Parse(line);
        JsonElement root = document.RootElement;
        string? typeName = root.ValueKind == JsonValueKind.Object ? PodParser.GetString(root, "type") : null;
        JsonElement value = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("object", out JsonElement o) ? o : default;
        WatchEventType type = typeName switch
        {
            "ADDED" => WatchEventType.Added,
            "MODIFIED" => WatchEventType.Modified,
            "DELETED" => WatchEventType.Deleted,
            "BOOKMARK" => WatchEventType.Bookmark,
            "ERROR" => WatchEventType.Error,
            _ => WatchEventType.Unknown,
        };

        if (type == WatchEventType.Error)
        {
            int code = value.ValueKind == JsonValueKind.Object && value.TryGetProperty("code", out JsonElement c) && c.TryGetInt32(out int parsed) ? parsed : 0;
            string? message = value.ValueKind == JsonValueKind.Object ? PodParser.GetString(value, "message") ?? PodParser.GetString(value, "reason") : null;
            return new WatchEvent(type, null, null, code, message);
        }

        PodInfo? pod = type is WatchEventType.Added or WatchEventType.Modified or WatchEventType.Deleted ? PodParser.TryParse(value) : null;
        return new WatchEvent(type, pod, PodParser.ResourceVersionOf(value), 0, null);
    }

    private static async Task ThrowIfErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        // A Status body names the cause ("pods is forbidden: User ... cannot list ..."); it never holds our credentials.
        string detail;
        try
        {
            detail = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            using JsonDocument status = JsonDocument.Parse(detail);
            detail = PodParser.GetString(status.RootElement, "message") ?? detail;
        }
        catch (JsonException)
        {
            // Not a Status object (a proxy's HTML page, say): its start is still the best explanation.
            detail = string.Empty;
        }

        if (detail.Length > MaxErrorBodyChars)
        {
            detail = detail[..MaxErrorBodyChars];
        }

        int code = (int)response.StatusCode;
        string reason = response.StatusCode == HttpStatusCode.Gone ? "410 Gone" : code.ToString(CultureInfo.InvariantCulture) + " " + response.ReasonPhrase;
        throw new KubernetesApiException(code, "HTTP " + reason + (detail.Length > 0 ? ": " + detail : string.Empty));
    }
}
