using FastRouter.Configuration;

namespace FastRouter.Discovery;

/// <summary>
/// production-stack's rule, shared by every discovery: a pod is prefill when its model label is in
/// --prefill-model-labels, decode when in --decode-model-labels, and unroutable otherwise.
/// </summary>
internal static class PodRoles
{
    public static BackendRole? RoleOf(string? label, RouterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (label is null)
        {
            return null;
        }

        if (Contains(options.PrefillModelLabels, label))
        {
            return BackendRole.Prefill;
        }

        return Contains(options.DecodeModelLabels, label) ? BackendRole.Decode : null;
    }

    private static bool Contains(IReadOnlyList<string> labels, string label)
    {
        foreach (string candidate in labels)
        {
            if (string.Equals(candidate, label, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
