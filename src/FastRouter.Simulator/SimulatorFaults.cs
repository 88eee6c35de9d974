namespace FastRouter.Simulation;

/// <summary>
/// The fault currently armed on a simulator. Tests set it directly or through <c>POST /sim/faults</c>; each
/// completion request that the fault applies to consumes one from <see cref="RemainingCount"/>.
/// Thread-safe: request handlers and tests touch it concurrently, so every access takes the lock.
/// </summary>
internal sealed class SimulatorFaults
{
    /// <summary>A count meaning "every request until cleared".</summary>
    public const int Unlimited = -1;

    private readonly Lock _gate = new();
    private SimulatorFaultMode _mode;
    private int _remaining;
    private TimeSpan _delay;
    private int _afterEvents;

    public SimulatorFaultMode Mode
    {
        get
        {
            lock (_gate)
            {
                return _mode;
            }
        }
    }

    /// <summary>Requests the fault still applies to; <see cref="Unlimited"/> for all.</summary>
    public int RemainingCount
    {
        get
        {
            lock (_gate)
            {
                return _remaining;
            }
        }
    }

    public TimeSpan Delay
    {
        get
        {
            lock (_gate)
            {
                return _delay;
            }
        }
    }

    public int AfterEvents
    {
        get
        {
            lock (_gate)
            {
                return _afterEvents;
            }
        }
    }

    /// <summary>Arms <paramref name="mode"/> for the next <paramref name="count"/> requests it applies to.</summary>
    /// <param name="delay">Extra delay for <see cref="SimulatorFaultMode.SlowPrefill"/>.</param>
    /// <param name="afterEvents">SSE events sent before <see cref="SimulatorFaultMode.DropMidStream"/> aborts.</param>
    public void Set(SimulatorFaultMode mode, int count = Unlimited, TimeSpan delay = default, int afterEvents = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, Unlimited);
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(afterEvents);
        lock (_gate)
        {
            _mode = count == 0 ? SimulatorFaultMode.None : mode;
            _remaining = mode == SimulatorFaultMode.None ? 0 : count;
            _delay = delay;
            _afterEvents = afterEvents;
        }
    }

    public void Clear() => Set(SimulatorFaultMode.None, 0);

    /// <summary>Takes one use of the armed fault if it applies to this request.</summary>
    /// <param name="isStreaming">DropMidStream only applies to streams.</param>
    /// <param name="pullsKv">FailKvPull only applies to requests that would pull KV blocks.</param>
    internal bool TryTake(bool isStreaming, bool pullsKv, out SimulatorFault fault)
    {
        lock (_gate)
        {
            bool applies = _mode switch
            {
                SimulatorFaultMode.None => false,
                SimulatorFaultMode.DropMidStream => isStreaming,
                SimulatorFaultMode.FailKvPull => pullsKv,
                SimulatorFaultMode.SlowAnswerBody => !isStreaming,
                _ => true,
            };
            if (!applies || _remaining == 0)
            {
                fault = default;
                return false;
            }

            fault = new SimulatorFault(_mode, _delay, _afterEvents);
            if (_remaining > 0 && --_remaining == 0)
            {
                _mode = SimulatorFaultMode.None;
            }

            return true;
        }
    }

    /// <summary>Parses a mode name as written in <c>POST /sim/faults</c> (case-insensitive, '-' and '_' ignored).</summary>
    internal static bool TryParseMode(string text, out SimulatorFaultMode mode)
    {
        string key = text.Replace("-", string.Empty, StringComparison.Ordinal)
            .Replace("_", string.Empty, StringComparison.Ordinal)
            .ToUpperInvariant();
        mode = key switch
        {
            "NONE" => SimulatorFaultMode.None,
            "STATUS500" or "500" => SimulatorFaultMode.Status500,
            "STATUS503" or "503" => SimulatorFaultMode.Status503,
            "RESETCONNECTION" or "RESET" => SimulatorFaultMode.ResetConnection,
            "HANG" => SimulatorFaultMode.Hang,
            "SLOWPREFILL" => SimulatorFaultMode.SlowPrefill,
            "DROPMIDSTREAM" => SimulatorFaultMode.DropMidStream,
            "FAILKVPULL" => SimulatorFaultMode.FailKvPull,
            "SLOWANSWERBODY" => SimulatorFaultMode.SlowAnswerBody,
            _ => (SimulatorFaultMode)(-1),
        };
        return (int)mode >= 0;
    }

    internal static string ModeName(SimulatorFaultMode mode) => mode switch
    {
        SimulatorFaultMode.None => "None",
        SimulatorFaultMode.Status500 => "Status500",
        SimulatorFaultMode.Status503 => "Status503",
        SimulatorFaultMode.ResetConnection => "ResetConnection",
        SimulatorFaultMode.Hang => "Hang",
        SimulatorFaultMode.SlowPrefill => "SlowPrefill",
        SimulatorFaultMode.DropMidStream => "DropMidStream",
        SimulatorFaultMode.FailKvPull => "FailKvPull",
        SimulatorFaultMode.SlowAnswerBody => "SlowAnswerBody",
        _ => "Unknown",
    };
}
