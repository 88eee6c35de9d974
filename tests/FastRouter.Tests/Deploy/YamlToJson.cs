using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace FastRouter.Tests.Deploy;

/// <summary>
/// Turns YAML documents into JSON trees, resolving plain scalars the way Kubernetes' YAML 1.2 reading does
/// (integers, booleans, null; quoted scalars stay strings), so the typed JSON models can be checked against them.
/// </summary>
internal static class YamlToJson
{
    public static List<JsonNode> Documents(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var documents = new List<JsonNode>();
        foreach (YamlDocument document in stream.Documents)
        {
            if (Convert(document.RootNode) is { } node)
            {
                documents.Add(node);
            }
        }

        return documents;
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode mapping => Mapping(mapping),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(Convert)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new InvalidDataException("unsupported YAML node " + node.NodeType),
    };

    private static JsonObject Mapping(YamlMappingNode mapping)
    {
        var result = new JsonObject();
        foreach ((YamlNode key, YamlNode value) in mapping.Children)
        {
            result.Add(((YamlScalarNode)key).Value!, Convert(value));
        }

        return result;
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        string text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        return text switch
        {
            "" or "null" or "~" => null,
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long number) => JsonValue.Create(number),
            _ => JsonValue.Create(text),
        };
    }
}
