using System.Text.Json;

namespace FastRouter.Discovery.Kubernetes;

/// <summary>Reads <see cref="PodInfo"/> from a Pod object, tolerating absent fields (every field of a Pod is optional on the wire).</summary>
internal static class PodParser
{
    public static PodInfo? TryParse(JsonElement pod)
    {
        if (pod.ValueKind != JsonValueKind.Object || !pod.TryGetProperty("metadata", out JsonElement metadata) || metadata.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        string? name = GetString(metadata, "name");
        if (name is null)
        {
            return null;
        }

        bool terminating = metadata.TryGetProperty("deletionTimestamp", out JsonElement deletion) && deletion.ValueKind == JsonValueKind.String;
        string? modelLabel = metadata.TryGetProperty("labels", out JsonElement labels) && labels.ValueKind == JsonValueKind.Object ? GetString(labels, "model") : null;
        string? podIp = null;
        bool ready = false;
        if (pod.TryGetProperty("status", out JsonElement status) && status.ValueKind == JsonValueKind.Object)
        {
            podIp = GetString(status, "podIP");
            if (string.IsNullOrEmpty(podIp))
            {
                podIp = null;
            }

            if (status.TryGetProperty("conditions", out JsonElement conditions) && conditions.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement condition in conditions.EnumerateArray())
                {
                    if (condition.ValueKind == JsonValueKind.Object && GetString(condition, "type") == "Ready")
                    {
                        ready = GetString(condition, "status") == "True";
                    }
                }
            }
        }

        return new PodInfo(name, podIp, ready, terminating, modelLabel);
    }

    /// <summary>metadata.resourceVersion of any object (a Pod, a PodList, a bookmark's object).</summary>
    public static string? ResourceVersionOf(JsonElement value) =>
        value.ValueKind == JsonValueKind.Object && value.TryGetProperty("metadata", out JsonElement metadata) && metadata.ValueKind == JsonValueKind.Object
            ? GetString(metadata, "resourceVersion")
            : null;

    public static string? GetString(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
