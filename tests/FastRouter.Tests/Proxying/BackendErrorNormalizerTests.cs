using System.Text;
using System.Text.Json;
using FastRouter.Proxying;

namespace FastRouter.Tests.Proxying;

public sealed class BackendErrorNormalizerTests
{
    [Fact]
    public void AnOpenAiShapedBody_PassesThroughByteForByte()
    {
        byte[] body = Encoding.UTF8.GetBytes("{\"error\":{\"message\":\"bad\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}}");

        Assert.Equal(body, BackendErrorNormalizer.Normalize(400, body).ToArray());
    }

    [Theory]
    [InlineData(401, "{\"error\":\"Unauthorized\"}", "Unauthorized", "AuthenticationError")]
    [InlineData(404, "{\"detail\":\"Not Found\"}", "Not Found", "NotFoundError")]
    [InlineData(422, "{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"x\"}]}", "[{\"loc\":[\"body\"],\"msg\":\"x\"}]", "UnprocessableEntityError")]
    [InlineData(500, "Internal Server Error", "Internal Server Error", "InternalServerError")]
    [InlineData(503, "", "The backend answered 503 ServiceUnavailable.", "ServiceUnavailableError")]
    public void OtherBodies_AreWrapped(int status, string body, string message, string type)
    {
        using JsonDocument wrapped = JsonDocument.Parse(BackendErrorNormalizer.Normalize(status, Encoding.UTF8.GetBytes(body)));
        JsonElement error = wrapped.RootElement.GetProperty("error");

        Assert.Equal(message, error.GetProperty("message").GetString());
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Equal(status, error.GetProperty("code").GetInt32());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
    }
}
