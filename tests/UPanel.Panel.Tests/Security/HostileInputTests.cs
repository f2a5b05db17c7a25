using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using UPanel.Contracts;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Security;

/// <summary>Text that reaches a page or a log, numbers in a query, and work done before a caller proved anything.</summary>
public abstract class HostileInputTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PanelFixture
{
    private PanelHost Panel => fixture.Host;

    [Theory]
    [InlineData("\u202Egnp.exe")]
    [InlineData("web\u200B1")]
    [InlineData("web\u20281")]
    public async Task A_container_name_with_format_characters_is_refused(string name)
    {
        var server = await Panel.NewServerAsync();
        var heartbeat = Panel.NewHeartbeat(server.ServerId);
        heartbeat = heartbeat with { Containers = [heartbeat.Containers![0] with { Name = name }] };

        using var response = await Panel.PostHeartbeatAsync(server.AgentToken, heartbeat);

        var error = await PanelHost.ReadJsonAsync(response, 400);
        Assert.EndsWith("contains control or format characters", error.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(await Panel.Store.GetHeartbeatsAsync(server.ServerId, null, 10, CancellationToken.None));
    }

    [Theory]
    [InlineData("limit=1%00")]
    [InlineData("limit=%2B1")]
    [InlineData("before=5%00")]
    public async Task A_number_in_the_query_is_digits_only(string query)
    {
        var server = await Panel.NewServerAsync();

        using var response = await Panel.SendAsync(HttpMethod.Get, $"/api/admin/servers/{server.ServerId}/heartbeats?{query}", Panel.AdminKey);

        var error = await PanelHost.ReadJsonAsync(response, 400);
        Assert.Equal(query[..query.IndexOf('=', StringComparison.Ordinal)], error.GetProperty("field").GetString());
    }

    /// <summary>
    /// The heartbeat checks its agent token itself, first (docs/decisions/ingest-throughput.md, eleventh pass,
    /// alongside): a body that is not gzip, not JSON or not a heartbeat gets the token's 401, not the body's 400.
    /// </summary>
    [Theory]
    [InlineData("gzip")]
    [InlineData("not JSON")]
    [InlineData("not a heartbeat")]
    public async Task Heartbeat_refuses_a_bad_agent_token_before_reading_its_body(string body)
    {
        var server = await Panel.NewServerAsync();
        byte[] content = body switch
        {
            "gzip" => [0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x01, 0x02, 0x03],
            "not JSON" => "{\"server_id\": nope"u8.ToArray(),
            _ => JsonSerializer.SerializeToUtf8Bytes(Panel.NewHeartbeat(server.ServerId) with { ServerId = "" }, ContractsJsonContext.Default.Heartbeat),
        };
        foreach (var token in new[] { server.AgentToken + "x", new string('b', 64) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/agent/heartbeat") { Content = new ByteArrayContent(content) };
            request.Headers.Authorization = new("Bearer", token);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            if (body == "gzip")
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Encoding", "gzip");
            }

            using var response = await Panel.Client.SendAsync(request, TestContext.Current.CancellationToken);

            await Auth.AssertUnauthorizedAsync(response);
        }

        Assert.Empty(await Panel.Store.GetHeartbeatsAsync(server.ServerId, null, 10, CancellationToken.None));
    }

    /// <summary>
    /// The heartbeat reads the agent token and nothing else: a signed-in session (the pages' cookie, which the
    /// authentication middleware reads for every request) is no agent token, with or without the admin key beside it.
    /// </summary>
    [Fact]
    public async Task A_signed_in_session_is_not_an_agent_token()
    {
        var server = await Panel.NewServerAsync();
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = Panel.BaseAddress };
        using var form = await client.GetAsync("/signin", TestContext.Current.CancellationToken);
        var field = Regex.Match(await form.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"");
        Assert.True(field.Success, "the sign-in page has no anti-forgery field");
        using var signIn = new HttpRequestMessage(HttpMethod.Post, "/signin")
        {
            Content = new FormUrlEncodedContent([new("key", Panel.AdminKey), new("return", "/"), new("__RequestVerificationToken", WebUtility.HtmlDecode(field.Groups[1].Value))]),
        };
        signIn.Headers.Add("Cookie", Cookie(form, "upanel_antiforgery"));
        using var signedIn = await client.SendAsync(signIn, TestContext.Current.CancellationToken);
        var session = Cookie(signedIn, "upanel_session");
        using (var page = new HttpRequestMessage(HttpMethod.Get, $"/servers/{server.ServerId}"))
        {
            page.Headers.Add("Cookie", session);
            using var shown = await client.SendAsync(page, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        }

        var body = JsonSerializer.Serialize(Panel.NewHeartbeat(server.ServerId), ContractsJsonContext.Default.Heartbeat);
        foreach (var bearer in new string?[] { null, Panel.AdminKey })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/agent/heartbeat") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("Cookie", session);
            if (bearer is not null)
            {
                request.Headers.Authorization = new("Bearer", bearer);
            }

            using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

            await Auth.AssertUnauthorizedAsync(response);
        }

        Assert.Empty(await Panel.Store.GetHeartbeatsAsync(server.ServerId, null, 10, CancellationToken.None));
    }

    /// <summary>The cookie the answer sets, as a request's Cookie header carries it.</summary>
    private static string Cookie(HttpResponseMessage response, string name) =>
        response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(name + "=", StringComparison.Ordinal)).Split(';')[0];

    [Fact]
    public async Task Register_refuses_an_unknown_install_token_before_reading_its_body()
    {
        // Not gzip at all: a panel that inflates before checking the token answers 400 for the body.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/agent/register")
        {
            Content = new ByteArrayContent([0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x01, 0x02, 0x03]),
        };
        request.Headers.Authorization = new("Bearer", "not-an-install-token-0123456789");
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        request.Content.Headers.TryAddWithoutValidation("Content-Encoding", "gzip");

        using var response = await Panel.Client.SendAsync(request, TestContext.Current.CancellationToken);

        await Auth.AssertUnauthorizedAsync(response);
    }
}
