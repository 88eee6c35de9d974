using System.Text.Json.Nodes;
using FastRouter.Configuration;
using FastRouter.Tests.Harness;
using k8s;
using k8s.Models;

namespace FastRouter.Tests.Deploy;

/// <summary>
/// Every manifest in deploy/ parses into Kubernetes' typed models, and the fields the router relies on are
/// there: the seed's arguments (accepted by our own parser), probes, RBAC, labels discovery selects on.
/// </summary>
public sealed class DeployManifestTests
{
    private static readonly string DeployDirectory = Path.Combine(RepositoryRoot.Path, "deploy");

    public static TheoryData<string> ManifestFiles()
    {
        var files = new TheoryData<string>();
        foreach (string file in Directory.EnumerateFiles(DeployDirectory, "*.yaml", SearchOption.AllDirectories))
        {
            files.Add(Path.GetRelativePath(DeployDirectory, file));
        }

        return files;
    }

    [Theory]
    [MemberData(nameof(ManifestFiles))]
    public void EveryDocument_ParsesAsItsKind(string file)
    {
        List<object> documents = Load(file);

        Assert.NotEmpty(documents);
        Assert.All(documents, document => Assert.IsAssignableFrom<IKubernetesObject<V1ObjectMeta>>(document));
        Assert.All(documents, document => Assert.False(string.IsNullOrEmpty(((IKubernetesObject<V1ObjectMeta>)document).Metadata?.Name)));
    }

    [Fact]
    public void Router_RunsTheSeedsArguments_WhichOurParserAccepts()
    {
        V1Container router = Single<V1Deployment>("router-deploy.yaml").Spec.Template.Spec.Containers.Single();

        Assert.Contains("--service-discovery=k8s", router.Args);
        Assert.Contains("--k8s-label-selector=app in (prefill,decode)", router.Args);
        Assert.Contains("--routing-logic=disaggregated_prefill_orchestrated", router.Args);
        Assert.Contains("--prefill-model-labels=prefill", router.Args);
        Assert.Contains("--decode-model-labels=decode", router.Args);
        CommandLineResult parsed = RouterCommandLine.Parse([.. router.Args], _ => null);
        Assert.True(parsed.Options is not null, parsed.Error);
        Assert.Equal(ServiceDiscoveryMode.Kubernetes, parsed.Options.ServiceDiscovery);
        int port = parsed.Options.Port;
        Assert.Equal(port, router.Ports.Single().ContainerPort);
    }

    [Fact]
    public void Router_HasProbesResourcesAGracePeriodAndRunsLocked()
    {
        V1PodSpec pod = Single<V1Deployment>("router-deploy.yaml").Spec.Template.Spec;
        V1Container router = pod.Containers.Single();

        // Liveness and startup on /health, which stays 200 while a role has no pod; readiness on the role-aware path.
        Assert.Equal("/readyz", router.ReadinessProbe.HttpGet.Path);
        Assert.Equal("/health", router.LivenessProbe.HttpGet.Path);
        Assert.Equal("/health", router.StartupProbe.HttpGet.Path);
        Assert.All([router.ReadinessProbe, router.LivenessProbe, router.StartupProbe], probe => Assert.Equal("http", probe.HttpGet.Port.Value));
        Assert.NotNull(router.Resources.Requests["cpu"]);
        Assert.NotNull(router.Resources.Requests["memory"]);
        Assert.NotNull(router.Resources.Limits["memory"]);
        Assert.True(pod.TerminationGracePeriodSeconds >= 300, "long streams need a grace period of minutes");
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.False(router.SecurityContext.AllowPrivilegeEscalation);
        Assert.True(router.SecurityContext.ReadOnlyRootFilesystem);
        Assert.Equal("router", pod.ServiceAccountName);
    }

    [Fact]
    public void Router_MayOnlyReadPodsInItsNamespace()
    {
        V1Role role = Single<V1Role>("router-deploy.yaml");
        V1RoleBinding binding = Single<V1RoleBinding>("router-deploy.yaml");
        V1ServiceAccount account = Single<V1ServiceAccount>("router-deploy.yaml");

        V1PolicyRule rule = role.Rules.Single();
        Assert.Equal([""], rule.ApiGroups);
        Assert.Equal(["pods"], rule.Resources);
        Assert.Equal(["get", "list", "watch"], rule.Verbs.Order());
        Assert.Equal(role.Metadata.Name, binding.RoleRef.Name);
        Assert.Equal("Role", binding.RoleRef.Kind);
        Assert.Equal(account.Metadata.Name, binding.Subjects.Single().Name);
    }

    [Fact]
    public void RouterService_TargetsTheRoutersPort()
    {
        V1Service service = Single<V1Service>("router-deploy.yaml");
        V1Deployment router = Single<V1Deployment>("router-deploy.yaml");

        Assert.Equal(router.Spec.Template.Metadata.Labels["app"], service.Spec.Selector["app"]);
        Assert.Equal("http", service.Spec.Ports.Single().TargetPort.Value);
        Assert.Equal("http", router.Spec.Template.Spec.Containers.Single().Ports.Single().Name);
    }

    [Theory]
    [InlineData("prefill-deploy.yaml", "prefill")]
    [InlineData("decode-deploy.yaml", "decode")]
    [InlineData("simulated/prefill-sim.yaml", "prefill")]
    [InlineData("simulated/decode-sim.yaml", "decode")]
    public void Pods_CarryTheLabelsDiscoverySelectsAndRolesOn(string file, string role)
    {
        V1PodTemplateSpec template = Single<V1Deployment>(file).Spec.Template;
        V1Container container = template.Spec.Containers.Single();

        Assert.Equal(role, template.Metadata.Labels["app"]);
        Assert.Equal(role, template.Metadata.Labels["model"]);
        Assert.Equal("/health", container.ReadinessProbe.HttpGet.Path);
        Assert.Contains(container.Ports, p => p.ContainerPort == 8000);
    }

    private static T Single<T>(string file) => Assert.Single(Load(file).OfType<T>());

    private static List<object> Load(string file)
    {
        var documents = new List<object>();
        foreach (JsonNode document in YamlToJson.Documents(File.ReadAllText(Path.Combine(DeployDirectory, file))))
        {
            string json = document.ToJsonString();
            string kind = document["kind"]?.GetValue<string>() ?? throw new InvalidDataException(file + ": a document without kind");
            object typed = kind switch
            {
                "Deployment" => KubernetesJson.Deserialize<V1Deployment>(json),
                "Service" => KubernetesJson.Deserialize<V1Service>(json),
                "ServiceAccount" => KubernetesJson.Deserialize<V1ServiceAccount>(json),
                "Role" => KubernetesJson.Deserialize<V1Role>(json),
                "RoleBinding" => KubernetesJson.Deserialize<V1RoleBinding>(json),
                _ => throw new InvalidDataException(file + ": unexpected kind " + kind),
            };

            // A field the model does not know (a typo such as readinesProbe) is silently dropped by deserialization:
            // every path written in the YAML must survive the round trip through the typed model.
            JsonNode roundTrip = JsonNode.Parse(KubernetesJson.Serialize(typed))!;
            foreach (string path in Paths(document, ""))
            {
                Assert.True(Exists(roundTrip, path), $"{file}: '{path}' is not a field of {kind}");
            }

            documents.Add(typed);
        }

        return documents;
    }

    private static IEnumerable<string> Paths(JsonNode? node, string prefix)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach ((string key, JsonNode? value) in obj)
                {
                    // Labels, selectors and resource maps hold free-form keys; the map itself is checked.
                    bool freeForm = key is "labels" or "matchLabels" or "selector" or "requests" or "limits" or "annotations";
                    string path = prefix + "/" + key;
                    yield return path;
                    if (!freeForm)
                    {
                        foreach (string inner in Paths(value, path))
                        {
                            yield return inner;
                        }
                    }
                }

                break;
            case JsonArray array:
                for (int i = 0; i < array.Count; i++)
                {
                    foreach (string inner in Paths(array[i], prefix + "/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                    {
                        yield return inner;
                    }
                }

                break;
        }
    }

    private static bool Exists(JsonNode root, string path)
    {
        JsonNode? node = root;
        foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node switch
            {
                JsonObject obj when obj.TryGetPropertyValue(part, out JsonNode? child) => child ?? JsonValue.Create("null"),
                JsonArray array when int.TryParse(part, out int index) && index < array.Count => array[index],
                _ => null,
            };
            if (node is null)
            {
                return false;
            }
        }

        return true;
    }
}
