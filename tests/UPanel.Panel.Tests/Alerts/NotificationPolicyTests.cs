using Microsoft.Extensions.Time.Testing;
using UPanel.Panel.Alerts;

namespace UPanel.Panel.Tests.Alerts;

public sealed class NotificationPolicyTests
{
    private static readonly AlertKey WebExited = new("srv1", AlertKind.ContainerExited, "web");
    private static readonly AlertKey Offline = new("srv1", AlertKind.ServerOffline);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 15, 10, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_firing_alert_is_sent_once_when_the_repeat_is_never()
    {
        var now = _time.GetUtcNow();
        Assert.True(NotificationPolicy.FiringDue(WebExited, null, null, [], now));
        _time.Advance(TimeSpan.FromDays(3));
        Assert.False(NotificationPolicy.FiringDue(WebExited, now, null, [], _time.GetUtcNow()));
    }

    [Fact]
    public void A_firing_alert_repeats_at_its_interval()
    {
        var sent = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.False(NotificationPolicy.FiringDue(WebExited, sent, TimeSpan.FromHours(1), [], _time.GetUtcNow()));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(NotificationPolicy.FiringDue(WebExited, sent, TimeSpan.FromHours(1), [], _time.GetUtcNow()));
    }

    [Fact]
    public void A_server_mute_covers_its_containers_and_ends_at_its_time_when_a_still_firing_alert_is_sent()
    {
        AlertMute[] mutes = [new("srv1", null, _time.GetUtcNow().AddHours(1))];
        Assert.False(NotificationPolicy.FiringDue(WebExited, null, null, mutes, _time.GetUtcNow()));
        Assert.False(NotificationPolicy.FiringDue(Offline, null, null, mutes, _time.GetUtcNow()));
        Assert.True(NotificationPolicy.FiringDue(WebExited with { ServerId = "srv2" }, null, null, mutes, _time.GetUtcNow()));

        _time.Advance(TimeSpan.FromHours(1));
        Assert.True(NotificationPolicy.FiringDue(WebExited, null, null, mutes, _time.GetUtcNow()));
    }

    [Fact]
    public void A_container_mute_covers_that_container_only()
    {
        AlertMute[] mutes = [new("srv1", "web", _time.GetUtcNow().AddMinutes(30))];
        Assert.True(NotificationPolicy.IsMuted(WebExited, mutes, _time.GetUtcNow()));
        Assert.False(NotificationPolicy.IsMuted(WebExited with { Container = "db" }, mutes, _time.GetUtcNow()));
        Assert.False(NotificationPolicy.IsMuted(Offline, mutes, _time.GetUtcNow()));
    }
}
