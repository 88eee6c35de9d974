using FastRouter.LoadTests.Running;

namespace FastRouter.LoadTests.Conversations;

/// <summary>
/// The whole arrival schedule, drawn up front from the seed: Poisson starts at the rate over the window, each with
/// its system prompt (uniform, or prompt 0 for the dominant share). Drawn before the run so that every
/// configuration of a benchmark gets the same conversations at the same offsets whatever the router does.
/// </summary>
internal static class ConversationSchedule
{
    public static IReadOnlyList<ConversationArrival> Build(ConversationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var arrivals = new Random(options.Seed);
        var prompts = new Random(StableSeed.Mix(options.Seed, 0x9A7, 0));
        var schedule = new PoissonSchedule(options.Rate, arrivals);
        var result = new List<ConversationArrival>();
        double window = options.Duration.TotalSeconds;
        for (double offset = 0; offset < window; offset += schedule.NextGapSeconds())
        {
            int prompt = options.DominantSystemPromptShare > 0 && prompts.NextDouble() < options.DominantSystemPromptShare
                ? 0
                : prompts.Next(options.SystemPrompts);
            result.Add(new ConversationArrival(result.Count, offset, prompt));
        }

        return result;
    }
}
