using System.Net;
using System.Text.RegularExpressions;
using UPanel.Panel.Pages;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Security;

/// <summary>
/// Behind a load balancer (docs/scale-out.md) every request comes from the balancer's address over plain http. With
/// <c>UPANEL_TRUSTED_PROXIES</c> naming it, the panel takes the client's address and scheme from the headers the
/// balancer adds, and only from it: the sign-in limit counts each client apart and a client cannot choose the address
/// it is counted as; the cookies are Secure when the client came over https. Without it, both headers are ignored.
/// </summary>
public abstract partial class TrustedProxyTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PanelFixture
{
    [Fact]
    public async Task Behind_a_trusted_proxy_failed_sign_ins_count_per_client_and_a_client_cannot_pick_its_address()
    {
        await using var panel = await PanelHost.StartAsync(
            fixture.Options with { TrustedProxies = [IPNetwork.Parse("127.0.0.0/8")] }, new(fixture.Host.Time.GetUtcNow()));

        for (var attempt = 0; attempt < SignInThrottle.MaxFailures; attempt++)
        {
            using var refused = await SignInAsync(panel, "not-the-key", forwardedFor: "203.0.113.5");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // The client at 203.0.113.5 is held back even when it sends an X-Forwarded-For of its own (the balancer
        // appends the address it sees; the panel reads only that last one); the client at 203.0.113.6 is not.
        using var spoofed = await SignInAsync(panel, panel.AdminKey, forwardedFor: "198.51.100.7, 203.0.113.5");
        using var other = await SignInAsync(panel, panel.AdminKey, forwardedFor: "198.51.100.7, 203.0.113.6");

        Assert.Equal(HttpStatusCode.TooManyRequests, spoofed.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, other.StatusCode);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_that_terminates_tls_the_cookies_are_secure_and_agents_are_handed_https()
    {
        await using var panel = await PanelHost.StartAsync(
            fixture.Options with { TrustedProxies = [IPNetwork.Parse("127.0.0.1/32")] }, new(fixture.Host.Time.GetUtcNow()));

        using var signedIn = await SignInAsync(panel, panel.AdminKey, forwardedFor: "203.0.113.7", forwardedProto: "https");
        using var register = new HttpRequestMessage(HttpMethod.Post, "/api/agent/register")
        {
            Content = new StringContent(PanelHost.RegisterBody("proxied-host", "machine-proxied"), System.Text.Encoding.UTF8, "application/json"),
        };
        register.Headers.Authorization = new("Bearer", await panel.CreateInstallTokenAsync());
        register.Headers.Add("X-Forwarded-For", "203.0.113.7");
        register.Headers.Add("X-Forwarded-Proto", "https");
        using var registered = await panel.Client.SendAsync(register, TestContext.Current.CancellationToken);
        var server = await PanelHost.ReadJsonAsync(registered, 200);

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Contains("secure", SetCookie(signedIn, "upanel_session"), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(panel.Options.PublicUrl ?? $"https://{panel.BaseAddress.Authority}", server.GetProperty("panel_url").GetString());
    }

    [Fact]
    public async Task Without_trusted_proxies_the_forwarded_headers_are_ignored()
    {
        var panel = fixture.Host;
        try
        {
            for (var attempt = 0; attempt < SignInThrottle.MaxFailures; attempt++)
            {
                using var refused = await SignInAsync(panel, "not-the-key", forwardedFor: "203.0.113.5");
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            }

            // Counted as the connection's address, whatever the header says; and plain http gets no Secure cookie.
            using var otherHeader = await SignInAsync(panel, panel.AdminKey, forwardedFor: "203.0.113.6");
            Assert.Equal(HttpStatusCode.TooManyRequests, otherHeader.StatusCode);
            panel.Time.Advance(SignInThrottle.Window);
            using var signedIn = await SignInAsync(panel, panel.AdminKey, forwardedFor: "203.0.113.6", forwardedProto: "https");
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
            Assert.DoesNotContain("secure", SetCookie(signedIn, "upanel_session"), StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            panel.Time.Advance(SignInThrottle.Window);
        }
    }

    /// <summary>The sign-in form and its post, both as a browser behind the proxy would send them.</summary>
    private static async Task<HttpResponseMessage> SignInAsync(PanelHost panel, string key, string forwardedFor, string forwardedProto = "http")
    {
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = panel.BaseAddress };
        client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", forwardedProto);
        using var form = await client.GetAsync("/signin", TestContext.Current.CancellationToken);
        var token = FormToken().Match(await form.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.True(token.Success, "the sign-in page has no anti-forgery field");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/signin")
        {
            Content = new FormUrlEncodedContent([new("key", key), new("return", "/"), new("__RequestVerificationToken", WebUtility.HtmlDecode(token.Groups[1].Value))]),
        };
        request.Headers.Add("Cookie", SetCookie(form, "upanel_antiforgery").Split(';')[0]);
        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>The whole Set-Cookie line (attributes included) of the cookie the answer sets.</summary>
    private static string SetCookie(HttpResponseMessage response, string name) =>
        response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(name + "=", StringComparison.Ordinal));

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();
}
