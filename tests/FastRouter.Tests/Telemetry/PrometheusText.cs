using System.Globalization;
using System.Text.RegularExpressions;

namespace FastRouter.Tests.Telemetry;

/// <summary>
/// A small, strict parser of the Prometheus text exposition format 0.0.4, for tests: every line must be a
/// comment (# HELP / # TYPE), blank, or a sample <c>name{label="value",…} number</c>; anything else fails.
/// Checks that TYPE precedes a family's samples and that histogram buckets are cumulative up to +Inf = _count.
/// </summary>
internal sealed partial class PrometheusText
{
    private PrometheusText(Dictionary<string, string> types, List<Sample> samples)
    {
        Types = types;
        Samples = samples;
    }

    public Dictionary<string, string> Types { get; }

    public List<Sample> Samples { get; }

    public static PrometheusText Parse(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<Sample>();
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                string[] parts = line[7..].Split(' ');
                Assert.Equal(2, parts.Length);
                Assert.Contains(parts[1], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                Assert.True(types.TryAdd(parts[0], parts[1]), "TYPE given twice for " + parts[0]);
                continue;
            }

            if (line.StartsWith('#'))
            {
                Assert.StartsWith("# HELP ", line, StringComparison.Ordinal);
                continue;
            }

            Match match = SampleLine().Match(line);
            Assert.True(match.Success, "Not a sample line: " + line);
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in LabelPair().Matches(match.Groups["labels"].Value))
            {
                labels.Add(label.Groups[1].Value, label.Groups[2].Value.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal));
            }

            string value = match.Groups["value"].Value;
            double number = value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            string name = match.Groups["name"].Value;
            Assert.True(types.ContainsKey(FamilyOf(name, types)), "Sample before its TYPE: " + line);
            samples.Add(new Sample(name, labels, number));
        }

        var parsed = new PrometheusText(types, samples);
        parsed.CheckHistograms();
        return parsed;
    }

    /// <summary>Samples of <paramref name="name"/> whose labels include every pair given.</summary>
    public IEnumerable<Sample> Find(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out string? v) && v == l.Value));

    public double Sum(string name, params (string Label, string Value)[] labels) => Find(name, labels).Sum(s => s.Value);

    public double Single(string name, params (string Label, string Value)[] labels) => Assert.Single(Find(name, labels)).Value;

    private static string FamilyOf(string name, Dictionary<string, string> types)
    {
        foreach (string suffix in (string[])["_bucket", "_sum", "_count"])
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && types.TryGetValue(name[..^suffix.Length], out string? type) && type == "histogram")
            {
                return name[..^suffix.Length];
            }
        }

        return name;
    }

    private void CheckHistograms()
    {
        foreach ((string family, string type) in Types)
        {
            if (type != "histogram")
            {
                continue;
            }

            foreach (Sample count in Samples.Where(s => s.Name == family + "_count"))
            {
                List<Sample> buckets = Samples.Where(s => s.Name == family + "_bucket" && SameSeries(s.Labels, count.Labels)).ToList();
                Assert.NotEmpty(buckets);
                double previous = 0;
                foreach (Sample bucket in buckets)
                {
                    Assert.True(bucket.Value >= previous, family + " buckets are not cumulative");
                    previous = bucket.Value;
                }

                Assert.Equal("+Inf", buckets[^1].Labels["le"]);
                Assert.Equal(count.Value, buckets[^1].Value);
            }
        }
    }

    private static bool SameSeries(Dictionary<string, string> bucket, Dictionary<string, string> count) =>
        bucket.Count == count.Count + 1 && count.All(pair => bucket.TryGetValue(pair.Key, out string? v) && v == pair.Value);

    [GeneratedRegex("^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?<labels>.*)\\})? (?<value>\\S+)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex LabelPair();

    internal sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);
}
