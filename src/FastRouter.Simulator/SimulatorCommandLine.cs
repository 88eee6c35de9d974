using System.Globalization;

namespace FastRouter.Simulation;

/// <summary>Parses <c>fastrouter sim ...</c>. Flags accept <c>--flag value</c> and <c>--flag=value</c>.</summary>
internal static class SimulatorCommandLine
{
    public const string Usage =
        """
        Usage: fastrouter sim --role prefill|decode [options]

        Runs one simulated vLLM pod (OpenAI API + KV side channel for prefill) until Ctrl+C or SIGTERM.

          --role prefill|decode              which half of the pair to play (required)
          --host ADDRESS                     address to bind (default 127.0.0.1)
          --port N                           API port (default 8100 for prefill, 8200 for decode; 0 = ephemeral)
          --model NAME                       served model name (default llama31-8b)
          --profile zero|realistic           latencies: zero (default) or protocol.md §7 (prefill 15 ms + tokens/35000 s, ITL 7 ms)
          --prefill-latency-ms X             fixed prefill latency (overrides the profile)
          --prefill-tokens-per-second Y      prompt throughput, 0 = free (overrides the profile)
          --itl-ms Z                         inter-token latency (overrides the profile)
          --kv-shape legacy|current|newest|null   kv_transfer_params shape prefill answers with (default current)
          --advertise-host H                 remote_host prefill advertises (default localhost, like vLLM)
          --side-channel-port P              prefill KV side channel port (default API port + 1; 0 = ephemeral)
          --lease-seconds S                  how long unpulled KV blocks are held (default 30)
          --default-max-tokens N             tokens generated when a request names no max_tokens (default 16)
          --max-model-len N                  context length advertised and enforced (default 8192)
          --api-key K                        require Authorization: Bearer K on /v1/*
          --cache-blocks N                   engine model: prefix cache of N blocks (default 0 = no engine model)
          --block-tokens N                   engine model: tokens per cache block (default 16)
          --max-batch-tokens N               engine model: uncached tokens one prefill batch takes (default 8192)
          --itl-per-stream-ms X              engine model: added to --itl-ms per other stream decoding (default 0)
          --kv-pull-tokens-per-second R      engine model: decode's KV pull rate, 0 = free (default 0)
          --metrics-fault none|hang          hang: /metrics never answers while the pod keeps serving (default none)
          --help                             show this text
        """;

    public static SimulatorCommandLineResult Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "--help" or "-h")
            {
                return SimulatorCommandLineResult.Help(Usage + Environment.NewLine);
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                return SimulatorCommandLineResult.Fail($"fastrouter sim: unexpected argument '{arg}' (see --help)");
            }

            string name;
            string? value;
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                name = arg[2..equals];
                value = arg[(equals + 1)..];
            }
            else
            {
                name = arg[2..];
                value = i + 1 < args.Count ? args[++i] : null;
            }

            if (!IsKnown(name))
            {
                return SimulatorCommandLineResult.Fail($"fastrouter sim: unknown option '--{name}' (see --help)");
            }

            if (value is null)
            {
                return SimulatorCommandLineResult.Fail($"fastrouter sim: option '--{name}' needs a value");
            }

            values[name] = value;
        }

        try
        {
            return SimulatorCommandLineResult.Run(Build(values));
        }
        catch (FormatException exception)
        {
            return SimulatorCommandLineResult.Fail("fastrouter sim: " + exception.Message);
        }
    }

    private static bool IsKnown(string name) => name is "role" or "host" or "port" or "model" or "profile"
        or "prefill-latency-ms" or "prefill-tokens-per-second" or "itl-ms" or "kv-shape" or "advertise-host"
        or "side-channel-port" or "lease-seconds" or "default-max-tokens" or "max-model-len" or "api-key"
        or "cache-blocks" or "block-tokens" or "max-batch-tokens" or "itl-per-stream-ms" or "kv-pull-tokens-per-second" or "metrics-fault";

    private static SimulatorOptions Build(Dictionary<string, string> values)
    {
        SimulatorRole role = values.TryGetValue("role", out string? roleText)
            ? roleText switch
            {
                "prefill" => SimulatorRole.Prefill,
                "decode" => SimulatorRole.Decode,
                _ => throw new FormatException($"--role must be prefill or decode, not '{roleText}'"),
            }
            : throw new FormatException("--role prefill|decode is required");

        // The profile sets the latencies first; explicit latency flags then override it.
        (double prefillMs, double tokensPerSecond, double itlMs) = (values.GetValueOrDefault("profile") ?? "zero") switch
        {
            "zero" => (0d, 0d, 0d),
            "realistic" => (15d, 35000d, 7d),
            string other => throw new FormatException($"--profile must be zero or realistic, not '{other}'"),
        };
        prefillMs = ReadDouble(values, "prefill-latency-ms", prefillMs);
        tokensPerSecond = ReadDouble(values, "prefill-tokens-per-second", tokensPerSecond);
        itlMs = ReadDouble(values, "itl-ms", itlMs);

        int port = ReadInt(values, "port", role == SimulatorRole.Prefill ? 8100 : 8200, 0, 65535);
        int sideChannelPort = ReadInt(values, "side-channel-port", port is 0 or 65535 ? 0 : port + 1, 0, 65535);
        KvParamsShape shape = (values.GetValueOrDefault("kv-shape") ?? "current") switch
        {
            "legacy" => KvParamsShape.Legacy,
            "current" => KvParamsShape.Current,
            "newest" => KvParamsShape.Newest,
            "null" => KvParamsShape.Null,
            string other => throw new FormatException($"--kv-shape must be legacy, current, newest or null, not '{other}'"),
        };

        double leaseSeconds = ReadDouble(values, "lease-seconds", 30);
        if (leaseSeconds <= 0)
        {
            throw new FormatException("--lease-seconds must be more than 0");
        }

        return new SimulatorOptions
        {
            Role = role,
            Host = NonEmpty(values, "host", "127.0.0.1"),
            Port = port,
            Model = NonEmpty(values, "model", "llama31-8b"),
            PrefillBaseLatency = TimeSpan.FromMilliseconds(prefillMs),
            PrefillTokensPerSecond = tokensPerSecond,
            InterTokenLatency = TimeSpan.FromMilliseconds(itlMs),
            KvShape = shape,
            AdvertisedSideChannelHost = NonEmpty(values, "advertise-host", "localhost"),
            SideChannelPort = sideChannelPort,
            KvLeaseDuration = TimeSpan.FromSeconds(leaseSeconds),
            DefaultMaxTokens = ReadInt(values, "default-max-tokens", 16, 1, int.MaxValue),
            MaxModelLen = ReadInt(values, "max-model-len", 8192, 2, int.MaxValue),
            ApiKey = values.TryGetValue("api-key", out string? key) && key.Length > 0 ? key : null,
            CacheBlocks = ReadInt(values, "cache-blocks", 0, 0, int.MaxValue),
            BlockTokens = ReadInt(values, "block-tokens", 16, 1, 1 << 20),
            MaxBatchTokens = ReadInt(values, "max-batch-tokens", 8192, 1, int.MaxValue),
            InterTokenLatencyPerStream = TimeSpan.FromMilliseconds(ReadDouble(values, "itl-per-stream-ms", 0)),
            KvPullTokensPerSecond = ReadDouble(values, "kv-pull-tokens-per-second", 0),
            MetricsHang = (values.GetValueOrDefault("metrics-fault") ?? "none") switch
            {
                "none" => false,
                "hang" => true,
                string other => throw new FormatException($"--metrics-fault must be none or hang, not '{other}'"),
            },
        };
    }

    private static string NonEmpty(Dictionary<string, string> values, string name, string fallback)
    {
        if (!values.TryGetValue(name, out string? value))
        {
            return fallback;
        }

        return string.IsNullOrWhiteSpace(value) ? throw new FormatException($"--{name} must not be empty") : value;
    }

    private static int ReadInt(Dictionary<string, string> values, string name, int fallback, int min, int max)
    {
        if (!values.TryGetValue(name, out string? text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= min && value <= max
            ? value
            : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"--{name} must be an integer from {min} to {max}, not '{text}'"));
    }

    private static double ReadDouble(Dictionary<string, string> values, string name, double fallback)
    {
        if (!values.TryGetValue(name, out string? text))
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value >= 0 && double.IsFinite(value)
            ? value
            : throw new FormatException($"--{name} must be a number of 0 or more, not '{text}'");
    }
}
