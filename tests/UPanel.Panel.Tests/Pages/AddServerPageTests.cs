using System.Net;
using System.Text.RegularExpressions;
using UPanel.Panel.Hosting;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Pages;

/// <summary>
/// "Add a server" as a signed-in admin uses it (sign-in form, the page's form, its 303): the install command carries
/// the panel's address, and an address another server cannot use, or that the agent refuses, is said on the page.
/// </summary>
public sealed partial class AddServerPageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("upanel-add-server-").FullName;

    [Theory]
    [InlineData(null, "reaches this panel from its own machine only")]
    [InlineData("http://localhost:8080", "reaches this panel from its own machine only")]
    [InlineData("http://192.0.2.10:8080", "The agent refuses http://192.0.2.10:8080: it sends its token over plain http only to loopback.")]
    [InlineData("http://panel.localhost:8080", "The agent refuses http://panel.localhost:8080: it sends its token over plain http only to loopback.")]
    [InlineData("https://panel.localhost", "reaches this panel from its own machine only")]
    [InlineData("https://panel.example.com", null)]
    public async Task The_install_command_names_the_panels_address_and_warns_when_another_server_cannot_use_it(string? publicUrl, string? warning)
    {
        await using var panel = await PanelHost.StartAsync(new PanelOptions { DataDirectory = _dir, PublicUrl = publicUrl });
        var address = publicUrl ?? panel.BaseAddress.ToString().TrimEnd('/');

        var html = await AddServerAsync(panel);

        Assert.Contains($"<code id=\"install-command\">curl -fsSL {address}/install.sh | sudo sh -s -- --token ", html, StringComparison.Ordinal);
        if (warning is null)
        {
            Assert.DoesNotContain("id=\"address-warning\"", html, StringComparison.Ordinal);
        }
        else
        {
            var shown = AddressWarning().Match(html);
            Assert.True(shown.Success, html);
            Assert.Contains(warning, WebUtility.HtmlDecode(shown.Groups[1].Value), StringComparison.Ordinal);
            Assert.Contains("--public-url https://", shown.Groups[1].Value, StringComparison.Ordinal);
        }
    }

    /// <summary>Signs in with the admin key, posts the page's form and returns the page its redirect shows.</summary>
    private static async Task<string> AddServerAsync(PanelHost panel)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = panel.BaseAddress };
        using var signedIn = await client.PostAsync("/signin", new FormUrlEncodedContent(
            [new("key", panel.AdminKey), new("return", "/"), new("__RequestVerificationToken", await FormTokenAsync(client, "/signin"))]), cancellationToken);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);

        using var created = await client.PostAsync("/servers/new", new FormUrlEncodedContent(
            [new("__RequestVerificationToken", await FormTokenAsync(client, "/servers/new"))]), cancellationToken);

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal("/servers/new", created.RequestMessage?.RequestUri?.AbsolutePath);
        return await created.Content.ReadAsStringAsync(cancellationToken);
    }

    private static async Task<string> FormTokenAsync(HttpClient client, string page)
    {
        var html = await client.GetStringAsync(page, TestContext.Current.CancellationToken);
        // The page's own form: the last one (the sign-out form in the header comes first).
        return WebUtility.HtmlDecode(FormToken().Matches(html).Last().Groups[1].Value);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();

    [GeneratedRegex("<p class=\"hint\" id=\"address-warning\">(.*?)</p>")]
    private static partial Regex AddressWarning();
}
