using Microsoft.Extensions.Time.Testing;
using UPanel.Panel.Alerts;
using UPanel.Panel.Hosting;

namespace UPanel.Panel.Tests.Alerts;

/// <summary>The e-mail of each kind of notification (the SMTP tests send the first firing one through a real server).</summary>
public sealed class EmailMessageTests
{
    private static readonly DateTimeOffset FiredAt = new(2026, 1, 15, 10, 30, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(FiredAt.AddHours(2));
    private readonly EmailSettings _email = new() { Host = "smtp.example.com", From = "alerts@upanel.example", To = ["ops@upanel.example"] };

    [Fact]
    public void A_repeat_says_still_firing_and_is_a_message_of_its_own()
    {
        var message = Message(firing: true, repeat: 2, container: "web");

        Assert.Equal("[UPanel] STILL FIRING db-host/web: container_exited", message.Subject);
        Assert.Equal("41.2", message.Headers[NotificationPayload.EventHeader]);
        Assert.Equal("upanel.41.2.chan1@upanel.example", message.MessageId);
        Assert.Equal(_time.GetUtcNow(), message.Date);
        Assert.Equal(
            "STILL FIRING: container web (web:1) exited with code 3\n\nServer:    db-host (srv1)\nContainer: web\nAlert:     container_exited, id 41, repeat 2\nSince:     2026-01-15 10:30:00 UTC\n\nSent by UPanel.\n",
            message.TextBody);
    }

    [Fact]
    public void A_resolution_of_a_server_alert_has_no_container_line_and_says_when()
    {
        var message = Message(firing: false, repeat: 0, container: null);

        Assert.Equal("[UPanel] RESOLVED db-host: container_exited", message.Subject);
        Assert.Equal("41", message.Headers[NotificationPayload.EventHeader]);
        Assert.Equal("upanel.41.0.chan1@upanel.example", message.MessageId);
        Assert.DoesNotContain("Container:", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("\nAt:        2026-01-15 10:30:00 UTC\n", message.TextBody, StringComparison.Ordinal);
    }

    private MimeKit.MimeMessage Message(bool firing, int repeat, string? container)
    {
        var e = new AlertEvent(41, "srv1", "db-host", "container_exited", container, firing, "container web (web:1) exited with code 3", FiredAt, false);
        var channel = new AlertChannel("chan1", "email", "smtp://smtp.example.com:587", null, FiredAt, _email);
        return new EmailSender(new PanelOptions(), _time).Message(new Notification(7, 1, repeat, e, channel), _email);
    }
}
