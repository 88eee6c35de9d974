namespace FastRouter.Discovery.Kubernetes;

/// <summary>The "type" of one watch event line.</summary>
internal enum WatchEventType
{
    Added,
    Modified,
    Deleted,

    /// <summary>Carries only a newer resourceVersion, so a resumed watch need not replay history.</summary>
    Bookmark,

    /// <summary>The object is a Status; code 410 means the resourceVersion expired.</summary>
    Error,
    Unknown,
}
