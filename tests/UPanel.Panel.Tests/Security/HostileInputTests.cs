using System.Net;
using System.Text.Json;
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
