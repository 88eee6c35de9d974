using System.Buffers;
using System.Text.Json;
using FastRouter.Discovery;
using Microsoft.AspNetCore.Http;

namespace FastRouter.FlowControl;

/// <summary>
/// <c>GET /queue</c>: the router's queue now, per model and band (waiting requests and clients, and the counters
/// since start), and which pods are saturated, by which the queue holds requests. Written with
/// <see cref="Utf8JsonWriter"/>, so it needs no serializer metadata under AOT.
/// </summary>
internal sealed class QueueEndpoint
{
    private readonly FlowController _flow;

    public QueueEndpoint(FlowController flow)
    {
        _flow = flow;
    }

    public byte[] Render()
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteBoolean("enabled"u8, _flow.IsEnabled);
            json.WriteStartArray("models"u8);
            foreach (ModelQueue queue in _flow.Queues)
            {
                json.WriteStartObject();
                json.WriteString("model"u8, queue.Model);
                json.WriteStartArray("bands"u8);
                for (int band = 0; band < FlowController.BandCount; band++)
                {
                    FlowBandStatistics stats = queue.Queue.Statistics(band);
                    json.WriteStartObject();
                    json.WriteString("band"u8, FlowController.BandName(band));
                    json.WriteNumber("waiting"u8, stats.Waiting);
                    json.WriteNumber("waiting_clients"u8, stats.WaitingClients);
                    json.WriteNumber("dispatched"u8, stats.Dispatched);
                    json.WriteNumber("expired"u8, stats.Expired);
                    json.WriteNumber("client_left"u8, stats.ClientsLeft);
                    json.WriteNumber("rejected_full"u8, stats.RejectedFull);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("saturated_pods"u8);
            foreach (Backend pod in _flow.Discovery.Current.Backends)
            {
                if (_flow.IsSaturated(pod))
                {
                    json.WriteStringValue(pod.Name);
                }
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public Task HandleAsync(HttpContext context) => Telemetry.JsonStatusResponse.WriteAsync(context, Render);
}
