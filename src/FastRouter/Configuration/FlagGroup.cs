namespace FastRouter.Configuration;

/// <summary>The section of the help text (and of docs/command-line.md) a flag belongs to.</summary>
internal enum FlagGroup
{
    /// <summary>Same name, meaning and default as production-stack's router, so its Helm chart args keep working.</summary>
    ProductionStack,

    /// <summary>Production-stack's Kubernetes discovery flags (used by the Kubernetes discovery work item).</summary>
    Kubernetes,

    /// <summary>Flags production-stack does not have.</summary>
    FastRouter,

    /// <summary>Production-stack flags accepted only so unmodified deployments start; they change nothing here.</summary>
    AcceptedAndIgnored,
}
