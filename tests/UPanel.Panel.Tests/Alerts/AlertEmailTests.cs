using System.Text.Json;
using UPanel.Contracts;
using UPanel.Panel.Alerts;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Alerts;

/// <summary>
/// E-mail channels end to end: the real panel mails through a real SMTP server on 127.0.0.1 (aiosmtpd) that requires
/// STARTTLS, with a certificate from a private CA and AUTH. The panel's clock is fake: retries happen when the test moves it.
/// </summary>
public abstract class AlertEmailTests<TEngine>(SmtpPanelFixture<TEngine> fixture) : IClassFixture<SmtpPanelFixture<TEngine>>
    where TEngine : PanelFixture, new()
{
    private const string From = "alerts@upanel.example";

    private SmtpTestServer Smtp => fixture.Smtp;

    private PanelHost Panel => fixture.Panel;

    [Fact]
    public async Task An_exited_container_is_mailed_over_starttls_with_authentication_naming_server_container_kind_and_exit_code()
    {
        var (channelId, created) = await AddEmailChannelAsync(Smtp.CaFile, username: SmtpTestServer.Username);
        Assert.Equal(($"smtp://127.0.0.1:{Smtp.Port}", From, SmtpTestServer.Username, Smtp.CaFile), (
            created.GetProperty("url").GetString(), created.GetProperty("from").GetString(), created.GetProperty("username").GetString(), created.GetProperty("ca_file").GetString()));
        Assert.Equal(["ops@upanel.example", "oncall@upanel.example"], created.GetProperty("to").EnumerateArray().Select(t => t.GetString()));
        Assert.False(created.TryGetProperty("secret", out _));
        var server = await Panel.NewServerAsync("mail-host");
        await Panel.HeartbeatEvaluatedAsync(server, Panel.Heartbeat(server.ServerId, 1, Panel.Container("web", "running")));

        await Panel.HeartbeatEvaluatedAsync(server, Panel.Heartbeat(server.ServerId, 2, Panel.Container("web", "exited", exitCode: 1)));

        var mail = Assert.Single(await Smtp.WaitForAsync(m => m.Message.Subject?.Contains("mail-host", StringComparison.Ordinal) == true, 1));
        Assert.True(mail.Tls);
        Assert.Equal(SmtpTestServer.Username, mail.Login);
        Assert.Equal(From, mail.MailFrom);
        Assert.Equal(["ops@upanel.example", "oncall@upanel.example"], mail.RcptTo);
        var message = mail.Message;
        Assert.Equal(From, Assert.Single(message.From.Mailboxes).Address);
        Assert.Equal(["ops@upanel.example", "oncall@upanel.example"], message.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("[UPanel] FIRING mail-host/web: container_exited", message.Subject);
        var alertId = Assert.Single(await Panel.WaitForAlertsAsync(server.ServerId, 1)).GetProperty("id").GetInt64();
        Assert.Equal(alertId.ToString(System.Globalization.CultureInfo.InvariantCulture), message.Headers[NotificationPayload.EventHeader]);
        Assert.Equal($"upanel.{alertId}.0.{channelId}@upanel.example", message.MessageId);
        var body = message.TextBody;
        Assert.StartsWith("FIRING: container web (web:1) exited with code 1\n", body, StringComparison.Ordinal);
        Assert.Contains($"Server:    mail-host ({server.ServerId})\n", body, StringComparison.Ordinal);
        Assert.Contains("Container: web\n", body, StringComparison.Ordinal);
        Assert.Contains($"Alert:     container_exited, id {alertId}\n", body, StringComparison.Ordinal);

        var delivered = Assert.Single(await Panel.WaitForDeliveriesAsync(alertId, log => log is [var d] && d.GetProperty("state").GetString() == "delivered"));
        Assert.Equal(("email", 1), (delivered.GetProperty("channel_kind").GetString(), delivered.GetProperty("attempts").GetInt32()));

        // Running again: the resolution is mailed too.
        await Panel.HeartbeatEvaluatedAsync(server, Panel.Heartbeat(server.ServerId, 3, Panel.Container("web", "running")));
        var both = await Smtp.WaitForAsync(m => m.Message.Subject?.Contains("mail-host", StringComparison.Ordinal) == true, 2);
        Assert.Equal("[UPanel] RESOLVED mail-host/web: container_exited", both[1].Message.Subject);
        await Panel.DeleteChannelAsync(channelId);
        await AssertPasswordNeverShownAsync();
    }

    [Fact]
    public async Task A_relay_whose_certificate_is_not_from_the_trusted_ca_is_not_sent_to_the_log_names_ca_file_and_it_is_retried()
    {
        var (wrongCa, _) = await AddEmailChannelAsync(Smtp.WrongCaFile);
        var (systemCas, _) = await AddEmailChannelAsync(caFile: null);
        var before = Smtp.Received.Count;
        var server = await Panel.NewServerAsync("wrong-ca-host");
        await Panel.HeartbeatEvaluatedAsync(server, Panel.Heartbeat(server.ServerId, 1, Panel.Container("web", "running")));
        await Panel.HeartbeatEvaluatedAsync(server, Panel.Heartbeat(server.ServerId, 2, Panel.Container("web", "exited", exitCode: 2)));
        var alertId = Assert.Single(await Panel.WaitForAlertsAsync(server.ServerId, 1)).GetProperty("id").GetInt64();

        var log = await Panel.WaitForDeliveriesAsync(alertId, log => log.Count == 2 && log.All(d => d.GetProperty("state").GetString() == "retrying"));

        var relay = $"smtp 127.0.0.1:{Smtp.Port}: TLS failed: ";
        var wrong = log.Single(d => d.GetProperty("channel_id").GetString() == wrongCa);
        Assert.StartsWith(relay + $"the server's certificate does not chain to the CA in ca_file {Smtp.WrongCaFile} (", wrong.GetProperty("last_error").GetString(), StringComparison.Ordinal);
        var system = log.Single(d => d.GetProperty("channel_id").GetString() == systemCas);
        var systemError = system.GetProperty("last_error").GetString();
        Assert.StartsWith(relay + "the server's certificate is not trusted by the system's CAs (", systemError, StringComparison.Ordinal);
        Assert.EndsWith("for a private CA, set the channel's ca_file", systemError, StringComparison.Ordinal);
        Assert.All(log, d => Assert.Equal(1, d.GetProperty("attempts").GetInt32()));
        Assert.All(log, d => Assert.Equal(Panel.Time.GetUtcNow() + NotificationSender.FirstRetry, d.GetProperty("next_attempt_at").GetDateTimeOffset()));

        // Retried per the policy, and still refused: nothing reached the server.
        Panel.Time.Advance(NotificationSender.FirstRetry + NotificationSender.PollInterval);
        await Panel.WaitForDeliveriesAsync(alertId, log => log.All(d => d.GetProperty("attempts").GetInt32() == 2 && d.GetProperty("state").GetString() == "retrying"));
        Assert.Equal(before, Smtp.Received.Count);
        await Panel.DeleteChannelAsync(wrongCa);
        await Panel.DeleteChannelAsync(systemCas);
    }

    [Fact]
    public async Task A_test_notification_is_mailed_at_once()
    {
        var (channelId, _) = await AddEmailChannelAsync(Smtp.CaFile, username: SmtpTestServer.Username);

        using var response = await Panel.SendAsync(HttpMethod.Post, $"/api/admin/alert-channels/{channelId}/test", Panel.AdminKey);

        var result = await PanelHost.ReadJsonAsync(response, 200);
        Assert.True(result.GetProperty("delivered").GetBoolean(), result.ToString());
        var mail = Assert.Single(await Smtp.WaitForAsync(m => m.Message.Subject == "[UPanel] FIRING UPanel: test", 1));
        Assert.StartsWith("FIRING: Test notification from UPanel: this channel works\n", mail.Message.TextBody, StringComparison.Ordinal);
        Assert.True(mail.Tls);
        await Panel.DeleteChannelAsync(channelId);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_by_the_server_and_the_answer_says_what_to_check_without_the_password()
    {
        var (channelId, _) = await AddEmailChannelAsync(Smtp.CaFile, username: "someone-else");

        using var response = await Panel.SendAsync(HttpMethod.Post, $"/api/admin/alert-channels/{channelId}/test", Panel.AdminKey);

        var result = await PanelHost.ReadJsonAsync(response, 200);
        Assert.False(result.GetProperty("delivered").GetBoolean());
        var error = result.GetProperty("error").GetString();
        Assert.StartsWith($"smtp 127.0.0.1:{Smtp.Port}: authentication as someone-else refused (", error, StringComparison.Ordinal);
        Assert.EndsWith("check username and UPANEL_SMTP_PASSWORD", error, StringComparison.Ordinal);
        await Panel.DeleteChannelAsync(channelId);
        await AssertPasswordNeverShownAsync();
    }

    [Fact]
    public async Task A_relay_that_does_not_offer_starttls_gets_neither_the_message_nor_the_password()
    {
        using var plain = (await SmtpTestServer.StartAsync("plain"))!;
        var body = $$"""{"kind":"email","host":"127.0.0.1","port":{{plain.Port}},"from":"{{From}}","to":["ops@upanel.example"],"username":"{{SmtpTestServer.Username}}","ca_file":"{{Smtp.CaFile}}"}""";
        using var created = await Panel.SendAsync(HttpMethod.Post, "/api/admin/alert-channels", Panel.AdminKey, body);
        var channelId = (await PanelHost.ReadJsonAsync(created, 201)).GetProperty("id").GetString()!;

        using var response = await Panel.SendAsync(HttpMethod.Post, $"/api/admin/alert-channels/{channelId}/test", Panel.AdminKey);

        var result = await PanelHost.ReadJsonAsync(response, 200);
        Assert.Equal((false, $"smtp 127.0.0.1:{plain.Port}: the server does not offer STARTTLS, which is required"), (result.GetProperty("delivered").GetBoolean(), result.GetProperty("error").GetString()));
        Assert.Empty(plain.Received);
        await Panel.DeleteChannelAsync(channelId);
    }

    [Fact]
    public async Task A_relay_on_implicit_tls_is_mailed_with_tls_implicit()
    {
        using var smtps = (await SmtpTestServer.StartAsync("implicit", Smtp.Password))!;
        var body = $$"""{"kind":"email","host":"127.0.0.1","port":{{smtps.Port}},"tls":"implicit","from":"{{From}}","to":["ops@upanel.example"],"username":"{{SmtpTestServer.Username}}","ca_file":"{{smtps.CaFile}}"}""";
        using var created = await Panel.SendAsync(HttpMethod.Post, "/api/admin/alert-channels", Panel.AdminKey, body);
        var channel = await PanelHost.ReadJsonAsync(created, 201);
        Assert.Equal(($"smtps://127.0.0.1:{smtps.Port}", "implicit"), (channel.GetProperty("url").GetString(), channel.GetProperty("tls").GetString()));
        var channelId = channel.GetProperty("id").GetString()!;

        using var response = await Panel.SendAsync(HttpMethod.Post, $"/api/admin/alert-channels/{channelId}/test", Panel.AdminKey);

        var result = await PanelHost.ReadJsonAsync(response, 200);
        Assert.True(result.GetProperty("delivered").GetBoolean(), result.ToString());
        var mail = Assert.Single(smtps.Received);
        Assert.Equal((true, SmtpTestServer.Username, "[UPanel] FIRING UPanel: test"), (mail.Tls, mail.Login, mail.Message.Subject));
        await Panel.DeleteChannelAsync(channelId);
    }

    [Theory]
    [InlineData(null, "smtp://127.0.0.1:587", "starttls")]
    [InlineData("starttls", "smtp://127.0.0.1:587", "starttls")]
    [InlineData("implicit", "smtps://127.0.0.1:465", "implicit")]
    public async Task The_port_defaults_to_the_tls_modes_own(string? tls, string url, string shown)
    {
        var body = $$"""{"kind":"email","host":"127.0.0.1",{{(tls is null ? "" : $"\"tls\":\"{tls}\",")}}"from":"{{From}}","to":["ops@upanel.example"]}""";
        using var created = await Panel.SendAsync(HttpMethod.Post, "/api/admin/alert-channels", Panel.AdminKey, body);

        var channel = await PanelHost.ReadJsonAsync(created, 201);
        Assert.Equal((url, shown), (channel.GetProperty("url").GetString(), channel.GetProperty("tls").GetString()));
        await Panel.DeleteChannelAsync(channel.GetProperty("id").GetString()!);
    }

    [Theory]
    [InlineData("""{"kind":"email","host":"127.0.0.1","from":"a@upanel.example","to":["b@upanel.example"],"tls":"none"}""", "tls")]
    [InlineData("""{"kind":"email","from":"a@upanel.example","to":["b@upanel.example"]}""", "host")]
    [InlineData("""{"kind":"email","host":"smtp example","from":"a@upanel.example","to":["b@upanel.example"]}""", "host")]
    [InlineData("""{"kind":"email","host":"127.0.0.1","port":0,"from":"a@upanel.example","to":["b@upanel.example"]}""", "port")]
    [InlineData("""{"kind":"email","host":"127.0.0.1","port":65536,"from":"a@upanel.example","to":["b@upanel.example"]}""", "port")]
    [InlineData("""{"kind":"email","host":"127.0.0.1","from":"not-an-address","to":["b@upanel.example"]}""", "from")]
    [InlineData("""{"kind":"email","host":"127.0.0.1","from":"a@upanel.example\r\nBcc: x@evil.example","to":["b@upanel.example"]}""", "from")]
    [InlineData("""{"kind":"email","host":"127.0.0.1","from":"Alerts <a@upanel.example>","to":["b@upanel.example"]}""", "from")]
    [InlineData("""{"kind":"email","host":"127.0.0.1","from":"a@upanel.example"}""", "to")]
    [InlineData("""{"kind":"email","host":"127.0.0.1","from":"a@upanel.example","to":[]}""", "to")]
    [InlineData("""{"kind":"email","host":"127.0.0.1","from":"a@upanel.example","to":["b@upanel.example","nobody"]}""", "to[1]")]
    [InlineData("""{"kind":"email","host":"127.0.0.1","from":"a@upanel.example","to":["b@upanel.example"],"username":""}""", "username")]
    [InlineData("""{"kind":"email","host":"127.0.0.1","from":"a@upanel.example","to":["b@upanel.example"],"ca_file":"ca.pem"}""", "ca_file")]
    [InlineData("""{"kind":"email","host":"127.0.0.1","from":"a@upanel.example","to":["b@upanel.example"],"ca_file":"/nonexistent/ca.pem"}""", "ca_file")]
    [InlineData("""{"kind":"email","host":"127.0.0.1","from":"a@upanel.example","to":["b@upanel.example"],"ca_file":"/etc/hostname"}""", "ca_file")]
    [InlineData("""{"kind":"email","host":"127.0.0.1","from":"a@upanel.example","to":["b@upanel.example"],"password":"hunter2-in-the-body"}""", "password")]
    [InlineData("""{"kind":"email","url":"https://example.com/x","host":"127.0.0.1","from":"a@upanel.example","to":["b@upanel.example"]}""", "url")]
    [InlineData("""{"kind":"ntfy","url":"https://ntfy.example/topic","to":["b@upanel.example"]}""", "to")]
    [InlineData("""{"kind":"slack","url":"https://hooks.slack.com/services/x","tls":"implicit"}""", "tls")]
    public async Task A_bad_email_channel_is_refused_naming_the_field_and_nothing_is_stored(string body, string field)
    {
        var before = await Panel.AdminGetAsync("/api/admin/alert-channels");

        using var response = await Panel.SendAsync(HttpMethod.Post, "/api/admin/alert-channels", Panel.AdminKey, body);

        var error = await PanelHost.ReadJsonAsync(response, 400);
        Assert.StartsWith(field + ":", error.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(before.ToString(), (await Panel.AdminGetAsync("/api/admin/alert-channels")).ToString());
    }

    private async Task<(string Id, JsonElement Created)> AddEmailChannelAsync(string? caFile, string? username = null)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["kind"] = "email",
            ["host"] = "127.0.0.1",
            ["port"] = Smtp.Port,
            ["from"] = From,
            ["to"] = new[] { "ops@upanel.example", "oncall@upanel.example" },
            ["username"] = username,
            ["ca_file"] = caFile,
        }.Where(p => p.Value is not null).ToDictionary());
        using var response = await Panel.SendAsync(HttpMethod.Post, "/api/admin/alert-channels", Panel.AdminKey, body);
        var created = await PanelHost.ReadJsonAsync(response, 201);
        return (created.GetProperty("id").GetString()!, created);
    }

    /// <summary>The SMTP password is in no answer of the channel API and no log line.</summary>
    private async Task AssertPasswordNeverShownAsync()
    {
        Assert.False((await Panel.AdminGetAsync("/api/admin/alert-channels")).ToString().Contains(Smtp.Password, StringComparison.Ordinal), "the SMTP password is in the channel list");
        var logs = string.Join("\n", Panel.Logs.GetSnapshot().Select(r => r.Message + r.Exception));
        Assert.False(logs.Contains(Smtp.Password, StringComparison.Ordinal), "the SMTP password is in the panel's log");
    }
}

public sealed class AlertEmailTestsOnSqlite(SmtpPanelFixture<SqlitePanelFixture> fixture) : AlertEmailTests<SqlitePanelFixture>(fixture);

public sealed class AlertEmailTestsOnPostgres(SmtpPanelFixture<PostgresPanelFixture> fixture) : AlertEmailTests<PostgresPanelFixture>(fixture);
