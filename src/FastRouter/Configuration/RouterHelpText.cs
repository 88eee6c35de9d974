using System.Text;

namespace FastRouter.Configuration;

/// <summary>Builds the --help text from <see cref="RouterFlags"/>, so every accepted flag is documented with its default.</summary>
internal static class RouterHelpText
{
    public static string Build()
    {
        var text = new StringBuilder();
        text.Append("usage: fastrouter [-h] [--version] [options]\n")
            .Append("       fastrouter sim ...   (run a simulated vLLM pod; see 'fastrouter sim --help')\n\n")
            .Append("FastRouter: an orchestrating router for vLLM disaggregated prefill/decode. It sends each request\n")
            .Append("to a prefill pod, then to a decode pod with the kv_transfer_params prefill returned. Flag names\n")
            .Append("follow vLLM production-stack's router (--routing-logic disaggregated_prefill_orchestrated).\n\n")
            .Append("options:\n")
            .Append("  -h, --help\n      Show this help and exit.\n")
            .Append("  --version\n      Show the version and exit.\n");

        AppendGroup(text, FlagGroup.ProductionStack, "production-stack compatible options");
        AppendGroup(text, FlagGroup.Kubernetes, "Kubernetes discovery (with --service-discovery k8s; production-stack compatible)");
        AppendGroup(text, FlagGroup.FastRouter, "FastRouter additions");
        AppendGroup(text, FlagGroup.AcceptedAndIgnored, "production-stack flags accepted and ignored (each adds a start-up warning)");

        text.Append("\nOther production-stack router flags (--static-aliases, --sentry-dsn, --kv-aware-threshold, ...) are refused\n")
            .Append("with exit code 2: FastRouter only serves disaggregated_prefill_orchestrated. Each flag may be given\n")
            .Append("once; values as '--flag value' or '--flag=value'. See docs/command-line.md.\n");
        return text.ToString();
    }

    private static void AppendGroup(StringBuilder text, FlagGroup group, string title)
    {
        text.Append('\n').Append(title).Append(":\n");
        foreach (CommandLineFlag flag in RouterFlags.All)
        {
            if (flag.Group != group)
            {
                continue;
            }

            text.Append("  ").Append(flag.Name);
            if (!flag.IsSwitch)
            {
                text.Append(' ').Append(flag.Metavar);
            }

            string help = flag.DefaultText is null ? flag.Help : flag.Help + " (default: " + flag.DefaultText + ")";
            text.Append('\n');
            AppendWrapped(text, help);
        }
    }

    /// <summary>Word-wraps one description under its flag so the help reads well in an 100-column terminal.</summary>
    private static void AppendWrapped(StringBuilder text, string help)
    {
        const string Indent = "      ";
        const int Width = 100;
        int lineLength = 0;
        foreach (string word in help.Split(' '))
        {
            if (lineLength > 0 && lineLength + 1 + word.Length > Width - Indent.Length)
            {
                text.Append('\n');
                lineLength = 0;
            }

            text.Append(lineLength == 0 ? Indent : " ").Append(word);
            lineLength += (lineLength == 0 ? 0 : 1) + word.Length;
        }

        text.Append('\n');
    }
}
