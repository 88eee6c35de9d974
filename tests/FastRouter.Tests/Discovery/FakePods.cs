using System.Text.Json.Nodes;

namespace FastRouter.Tests.Discovery;

/// <summary>Pod objects as the API server returns them (the fields discovery reads, plus some it must ignore).</summary>
internal static class FakePods
{
    public static JsonObject Pod(string name, string? ip, string modelLabel, bool ready = true, string? app = null)
    {
        var conditions = new JsonArray
        {
            new JsonObject { ["type"] = "PodScheduled", ["status"] = "True" },
            new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" },
        };
        var status = new JsonObject { ["phase"] = "Running", ["conditions"] = conditions, ["hostIP"] = "192.168.0.9" };
        if (ip is not null)
        {
            status["podIP"] = ip;
            status["podIPs"] = new JsonArray { new JsonObject { ["ip"] = ip } };
        }

        return new JsonObject
        {
            ["kind"] = "Pod",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = "default",
                ["uid"] = Guid.NewGuid().ToString(),
                ["labels"] = new JsonObject { ["app"] = app ?? modelLabel, ["model"] = modelLabel },
            },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray { new JsonObject { ["name"] = "vllm", ["image"] = "vllm/vllm-openai" } } },
            ["status"] = status,
        };
    }

    public static void SetReady(JsonObject pod, bool ready)
    {
        foreach (JsonNode? condition in pod["status"]!["conditions"]!.AsArray())
        {
            if (condition!["type"]!.GetValue<string>() == "Ready")
            {
                condition["status"] = ready ? "True" : "False";
            }
        }
    }

    public static void SetTerminating(JsonObject pod) => pod["metadata"]!["deletionTimestamp"] = "2026-01-01T00:00:00Z";
}
