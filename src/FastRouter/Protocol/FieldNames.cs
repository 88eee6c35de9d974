namespace FastRouter.Protocol;

/// <summary>The JSON names of <see cref="RequestField"/> values, for messages and for the bytes the router writes.</summary>
internal static class FieldNames
{
    public static string Of(RequestField field) => field switch
    {
        RequestField.Model => "model",
        RequestField.Stream => "stream",
        RequestField.StreamOptions => "stream_options",
        RequestField.MaxTokens => "max_tokens",
        RequestField.MaxCompletionTokens => "max_completion_tokens",
        RequestField.MinTokens => "min_tokens",
        RequestField.MinCompletionTokens => "min_completion_tokens",
        RequestField.N => "n",
        RequestField.KvTransferParams => "kv_transfer_params",
        _ => "",
    };
}
