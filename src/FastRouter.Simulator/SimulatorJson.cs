using System.Text.Encodings.Web;
using System.Text.Json;

namespace FastRouter.Simulation;

/// <summary>Writer settings shared by every JSON the simulator produces.</summary>
internal static class SimulatorJson
{
    /// <summary>
    /// Relaxed escaping: vLLM (pydantic) leaves characters such as '`' and '+' as they are, and error messages
    /// like "Stream options can only be defined when `stream=True`." should match byte for byte.
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = 128,
    };
}
