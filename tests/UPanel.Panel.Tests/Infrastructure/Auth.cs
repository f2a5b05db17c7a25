using System.Net;

namespace UPanel.Panel.Tests.Infrastructure;

internal static class Auth
{
    public const string UnauthorizedBody = """{"status":"error","error":"missing, invalid, expired or revoked token"}""";

    /// <summary>Every auth failure must look exactly like this: status, body and challenge.</summary>
    public static async Task AssertUnauthorizedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(UnauthorizedBody, body);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }
}
