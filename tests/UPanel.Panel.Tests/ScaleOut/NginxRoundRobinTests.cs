using System.Net;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.ScaleOut;

/// <summary>The two panels behind real nginx round-robin, as docs/scale-out.md deploys them: one address for agents and people.</summary>
public sealed class NginxRoundRobinTests(TwoPanelsFixture fixture) : IClassFixture<TwoPanelsFixture>
{
    [Fact]
    public async Task Agents_and_a_signed_in_person_work_through_nginx_whichever_panel_answers_and_each_heartbeat_is_stored_once()
    {
        await using var nginx = await NginxRoundRobin.StartAsync(fixture.A.BaseAddress, fixture.B.BaseAddress);
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = nginx.Url };

        // Install token, registration and heartbeats (each sent twice, as an agent retrying a lost answer) through nginx.
        using var install = new HttpRequestMessage(HttpMethod.Post, "/api/admin/install-tokens") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        install.Headers.Authorization = new("Bearer", fixture.A.AdminKey);
        using var installed = await client.SendAsync(install, TestContext.Current.CancellationToken);
        var installToken = (await PanelHost.ReadJsonAsync(installed, 200)).GetProperty("install_token").GetString()!;
        using var register = new HttpRequestMessage(HttpMethod.Post, "/api/agent/register") { Content = new StringContent(PanelHost.RegisterBody("nginx-host", "machine-nginx"), System.Text.Encoding.UTF8, "application/json") };
        register.Headers.Authorization = new("Bearer", installToken);
        using var registered = await client.SendAsync(register, TestContext.Current.CancellationToken);
        var server = await PanelHost.ReadJsonAsync(registered, 200);
        var (serverId, token) = (server.GetProperty("server_id").GetString()!, server.GetProperty("agent_token").GetString()!);
        const int heartbeats = 10;
        for (var seq = 1; seq <= heartbeats; seq++)
        {
            var body = System.Text.Json.JsonSerializer.Serialize(fixture.A.NewHeartbeat(serverId, seq), UPanel.Contracts.ContractsJsonContext.Default.Heartbeat);
            for (var copy = 0; copy < 2; copy++)
            {
                using var heartbeat = new HttpRequestMessage(HttpMethod.Post, "/api/agent/heartbeat") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
                heartbeat.Headers.Authorization = new("Bearer", token);
                using var answer = await client.SendAsync(heartbeat, TestContext.Current.CancellationToken);
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            }
        }

        // Both panels took part (round-robin), and each heartbeat is stored once.
        Assert.All(new[] { fixture.A, fixture.B }, panel => Assert.Contains(panel.Logs.GetSnapshot(), r => r.Id.Id == 2010 && r.Message.Contains(serverId, StringComparison.Ordinal)));
        await using (var connection = await fixture.OpenDatabaseAsync())
        await using (var count = connection.CreateCommand())
        {
            count.CommandText = $"SELECT COUNT(*) FROM heartbeats WHERE server_id = '{serverId}'";
            Assert.Equal((long)heartbeats, await count.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        }

        // A person signs in through nginx and the session holds across several page requests (both panels answer them).
        var signInPage = await client.GetAsync("/signin", TestContext.Current.CancellationToken);
        var html = await signInPage.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var formToken = System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        using var signIn = new HttpRequestMessage(HttpMethod.Post, "/signin")
        {
            Content = new FormUrlEncodedContent([new("key", fixture.A.AdminKey), new("return", "/"), new("__RequestVerificationToken", WebUtility.HtmlDecode(formToken))]),
        };
        signIn.Headers.Add("Cookie", TwoPanelTests.Cookie(signInPage, "upanel_antiforgery"));
        signInPage.Dispose();
        using var signedIn = await client.SendAsync(signIn, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var session = TwoPanelTests.Cookie(signedIn, "upanel_session");
        for (var request = 0; request < 6; request++)
        {
            using var page = new HttpRequestMessage(HttpMethod.Get, "/ui/servers.json");
            page.Headers.Add("Cookie", session);
            using var answer = await client.SendAsync(page, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Contains(serverId, await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }

        // A failed sign-in from a client that sends an X-Forwarded-For of its own counts against the address nginx
        // saw (the last hop, which nginx appends), not the one the client chose.
        using var formPage = await client.GetAsync("/signin", TestContext.Current.CancellationToken);
        var formHtml = await formPage.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var wrongKey = new HttpRequestMessage(HttpMethod.Post, "/signin")
        {
            Content = new FormUrlEncodedContent([
                new("key", "not-the-admin-key"), new("return", "/"),
                new("__RequestVerificationToken", WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(formHtml, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value))]),
        };
        wrongKey.Headers.Add("Cookie", TwoPanelTests.Cookie(formPage, "upanel_antiforgery"));
        wrongKey.Headers.Add("X-Forwarded-For", "203.0.113.9");
        using var refused = await client.SendAsync(wrongKey, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        await using (var connection = await fixture.OpenDatabaseAsync())
        await using (var addresses = connection.CreateCommand())
        {
            addresses.CommandText = "SELECT string_agg(address, ',') FROM sign_in_failures";
            Assert.Equal("127.0.0.1", await addresses.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        }
    }
}
