using System.Text.Json;

namespace FastRouter.Simulation;

/// <summary>vLLM's (≥0.10.1) error body: <c>{"error":{"message":…,"type":…,"param":null,"code":…}}</c>.</summary>
internal static class OpenAiErrorWriter
{
    public static void Write(Utf8JsonWriter writer, int statusCode, string type, string message)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error"u8);
        writer.WriteString("message"u8, message);
        writer.WriteString("type"u8, type);
        writer.WriteNull("param"u8);
        writer.WriteNumber("code"u8, statusCode);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
