namespace FastRouter.Configuration;

/// <summary>Gathers the inbound API keys from --api-key (repeatable), --api-key-file and $FASTROUTER_API_KEYS.</summary>
internal static class ApiKeys
{
    /// <param name="flagValues">The --api-key values, newline-joined by the tokenizer; null when not given.</param>
    /// <param name="filePath">--api-key-file: one key per line, blank lines and '#' comments ignored.</param>
    /// <param name="environmentValue">$FASTROUTER_API_KEYS, comma-separated.</param>
    public static IReadOnlyList<string> Collect(string? flagValues, string? filePath, string? environmentValue)
    {
        var keys = new List<string>();
        if (flagValues is not null)
        {
            foreach (string key in flagValues.Split('\n'))
            {
                Add(keys, key, FlagNames.ApiKey);
            }
        }

        if (filePath is not null)
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(filePath);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new CommandLineException($"argument {FlagNames.ApiKeyFile}: cannot read '{filePath}': {exception.Message}");
            }

            foreach (string line in lines)
            {
                string trimmed = line.Trim();
                if (trimmed.Length > 0 && trimmed[0] != '#')
                {
                    Add(keys, trimmed, FlagNames.ApiKeyFile);
                }
            }
        }

        if (!string.IsNullOrWhiteSpace(environmentValue))
        {
            foreach (string key in environmentValue.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                Add(keys, key, "$" + FlagNames.ApiKeysEnvironmentVariable);
            }
        }

        return keys;
    }

    private static void Add(List<string> keys, string key, string source)
    {
        // A key travels in an Authorization header: it must be visible ASCII, and short keys are guessable.
        if (key.Length < 8)
        {
            throw new CommandLineException($"{source}: an API key must be at least 8 characters");
        }

        foreach (char c in key)
        {
            if (c is < '!' or > '~')
            {
                throw new CommandLineException($"{source}: an API key may only contain visible ASCII characters");
            }
        }

        if (!keys.Contains(key))
        {
            keys.Add(key);
        }
    }
}
