using FastRouter.Discovery;
using System.Text;

namespace FastRouter.Tests.Discovery;

/// <summary>Model-aware routing while some pods' models are not known yet (Kubernetes discovery still asking).</summary>
public sealed class RoutingTableModelTests
{
    private static Backend Pod(string host, BackendRole role, params string[]? models)
    {
        var backend = new Backend(new Uri("http://" + host + ":8000/"), role, null, new HttpMessageInvoker(new SocketsHttpHandler()));
        if (models is not null)
        {
            backend.SetModels(models);
        }

        return backend;
    }

    private static ModelRoute? Resolve(RoutingTable table, string model) => table.Resolve(Encoding.UTF8.GetBytes("\"" + model + "\""));

    [Fact]
    public void NothingKnown_BehavesAsNotModelAware()
    {
        var table = new RoutingTable([Pod("10.0.0.1", BackendRole.Prefill, null), Pod("10.0.0.2", BackendRole.Decode, null)], modelAware: true);
        Assert.Same(table.AnyModel, Resolve(table, "anything"));
        Assert.Empty(table.Models);
    }

    [Fact]
    public void EmptyTable_Answers503Not404()
    {
        var table = new RoutingTable([], modelAware: true);
        ModelRoute? route = Resolve(table, "llama");
        Assert.NotNull(route);
        Assert.Empty(route.Decode);
    }

    [Fact]
    public void UnknownPods_ServeEveryModel_KnownPodsOnlyTheirs()
    {
        Backend prefillKnown = Pod("10.0.0.1", BackendRole.Prefill, "llama", "llama-lora");
        Backend decodeKnown = Pod("10.0.0.2", BackendRole.Decode, "llama");
        Backend decodeUnknown = Pod("10.0.0.3", BackendRole.Decode, null);
        var table = new RoutingTable([prefillKnown, decodeKnown, decodeUnknown], modelAware: true);

        Assert.Equal(["llama", "llama-lora"], table.Models);
        ModelRoute llama = Resolve(table, "llama")!;
        Assert.Equal([prefillKnown], llama.Prefill);
        Assert.Equal([decodeKnown, decodeUnknown], llama.Decode);
        ModelRoute lora = Resolve(table, "llama-lora")!;
        Assert.Equal([decodeUnknown], lora.Decode);

        // A model no known pod serves may still be served by a pod not asked yet.
        ModelRoute other = Resolve(table, "mistral")!;
        Assert.Empty(other.Prefill);
        Assert.Equal([decodeUnknown], other.Decode);
    }

    [Fact]
    public void AllKnown_UnservedModel_IsNotFound()
    {
        var table = new RoutingTable([Pod("10.0.0.1", BackendRole.Prefill, "llama"), Pod("10.0.0.2", BackendRole.Decode, "llama")], modelAware: true);
        Assert.Null(Resolve(table, "mistral"));
        Assert.Null(table.UnknownModels);
    }
}
