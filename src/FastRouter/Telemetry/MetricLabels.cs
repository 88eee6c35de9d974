using FastRouter.Configuration;
using FastRouter.Discovery;
using FastRouter.Proxying;

namespace FastRouter.Telemetry;

/// <summary>
/// Every label value the router emits, as interned constants: label values are bounded by construction
/// (enums, status classes, pod URLs from discovery, model names from the routing table), never client text.
/// </summary>
internal static class MetricLabels
{
    public const string Route = "route";
    public const string Stream = "stream";
    public const string Outcome = "outcome";
    public const string StatusClass = "status_class";
    public const string Role = "role";
    public const string Pod = "pod";
    public const string Reason = "reason";
    public const string Policy = "policy";
    public const string Phase = "phase";
    public const string Cause = "cause";
    public const string Kind = "kind";
    public const string State = "state";
    public const string Server = "server";
    public const string Model = "model";
    public const string ErrorType = "error_type";
    public const string Status = "status";

    public const string True = "true";
    public const string False = "false";

    private static readonly string[] StatusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"];
    private static readonly string[] BackendOutcomes = ["success", "client_error", "server_error", "timeout", "connection_error", "stream_broken", "cancelled"];
    private static readonly string[] RetryReasons = ["connection_error", "timeout", "server_error"];
    private static readonly string[] Phases = ["request", "prefill", "handoff", "decode"];
    private static readonly string[] PickReasons = ["affinity", "spilled", "least_load", "round_robin", "only_choice"];
    private static readonly string[] KvReleaseCauses = ["client_left", "decode_rejected", "decode_unreached", "decode_reset", "decode_server_error", "decode_timeout"];

    public static string RouteOf(CompletionEndpoint endpoint) =>
        endpoint == CompletionEndpoint.ChatCompletions ? "/v1/chat/completions" : "/v1/completions";

    public static string RoleOf(BackendRole role) => role == BackendRole.Prefill ? "prefill" : "decode";

    public static string StatusClassOf(int status) => status is >= 100 and < 600 ? StatusClasses[(status / 100) - 1] : "other";

    /// <summary>The end-to-end outcome: success (2xx/3xx), client_error (4xx), error (5xx), client_disconnected.</summary>
    public static string RequestOutcomeOf(int status, bool clientDisconnected) =>
        clientDisconnected ? "client_disconnected" : status >= 500 ? "error" : status >= 400 ? "client_error" : "success";

    public static string Of(BackendOutcome outcome) => BackendOutcomes[(int)outcome];

    public static string Of(RetryReason reason) => RetryReasons[(int)reason];

    public static string Of(DisconnectPhase phase) => Phases[(int)phase];

    public static string Of(Balancing.PickReason reason) => PickReasons[(int)reason];

    public static string Of(KvReleaseCause cause) => KvReleaseCauses[(int)cause];

    public static string Of(MissingKvParamsPolicy policy) => policy == MissingKvParamsPolicy.Fail ? "fail" : "fallback";
}
