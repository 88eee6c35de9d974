using Microsoft.Extensions.Logging;

namespace FastRouter.Discovery.Kubernetes;

internal sealed partial class KubernetesDiscovery
{
    /// <summary>Discovery's log lines; event ids 200-229 are stable. Nothing here may carry a credential.</summary>
    private static partial class Log
    {
        [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Kubernetes discovery: namespace {Namespace}, label selector '{Selector}', vLLM port {Port}, API server {Server} via {Source}")]
        public static partial void Starting(ILogger logger, string @namespace, string selector, int port, string server, string source);

        [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Listed {Count} pods, {Routable} routable (resourceVersion {ResourceVersion})")]
        public static partial void Listed(ILogger logger, int count, int routable, string resourceVersion);

        [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Pod {Pod} added: {Ip}, role {Role}, {State}")]
        public static partial void PodAdded(ILogger logger, string pod, string ip, string role, string state);

        [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Pod {Pod} removed: {Ip}, role {Role}; no new requests, its in-flight requests finish")]
        public static partial void PodRemoved(ILogger logger, string pod, string ip, string role);

        [LoggerMessage(EventId = 204, Level = LogLevel.Information, Message = "Pod {Pod} ready: {Ip}, role {Role}; now routed to")]
        public static partial void PodReady(ILogger logger, string pod, string ip, string role);

        [LoggerMessage(EventId = 205, Level = LogLevel.Information, Message = "Pod {Pod} unready: {Ip}, role {Role}, {State}; no longer routed to")]
        public static partial void PodUnready(ILogger logger, string pod, string ip, string role, string state);

        [LoggerMessage(EventId = 206, Level = LogLevel.Information, Message = "Pod {Pod} ignored: its model label '{Label}' is in neither --prefill-model-labels nor --decode-model-labels")]
        public static partial void PodIgnored(ILogger logger, string pod, string label);

        [LoggerMessage(EventId = 207, Level = LogLevel.Information, Message = "Pod {Pod} ({Ip}) serves {Models}")]
        public static partial void PodModels(ILogger logger, string pod, string ip, string models);

        [LoggerMessage(EventId = 208, Level = LogLevel.Warning, Message = "Kubernetes API server request failed: {Error}; keeping the {Count} known routable pods, retrying in {DelayMs} ms")]
        public static partial void ApiFailing(ILogger logger, string error, int count, long delayMs);

        [LoggerMessage(EventId = 209, Level = LogLevel.Warning, Message = "Kubernetes API server still failing (attempt {Attempt}): {Error}; retrying in {DelayMs} ms")]
        public static partial void ApiStillFailing(ILogger logger, int attempt, string error, long delayMs);

        [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "Kubernetes API server reachable again after {Attempts} failed attempts; {Count} routable pods")]
        public static partial void ApiRecovered(ILogger logger, int attempts, int count);

        [LoggerMessage(EventId = 211, Level = LogLevel.Information, Message = "Watch from resourceVersion {ResourceVersion} expired (410 Gone): listing again")]
        public static partial void WatchExpired(ILogger logger, string resourceVersion);

        [LoggerMessage(EventId = 212, Level = LogLevel.Debug, Message = "Watch ended; resuming from resourceVersion {ResourceVersion}")]
        public static partial void WatchEnded(ILogger logger, string resourceVersion);

        [LoggerMessage(EventId = 213, Level = LogLevel.Debug, Message = "Watch bookmark: resourceVersion {ResourceVersion}")]
        public static partial void Bookmark(ILogger logger, string resourceVersion);

        [LoggerMessage(EventId = 214, Level = LogLevel.Warning, Message = "Unexpected watch event type {Type}; ignored")]
        public static partial void UnexpectedEvent(ILogger logger, string type);

        [LoggerMessage(EventId = 215, Level = LogLevel.Debug, Message = "Connection pool of removed pod {Endpoint} disposed: drained")]
        public static partial void BackendDisposed(ILogger logger, string endpoint);
    }
}
