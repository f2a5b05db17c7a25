using System.Collections.Immutable;
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

    [Fact]
    public void A_muted_alert_is_kept_back_and_its_resolution_too_and_an_unmuted_one_is_sent_with_its_resolution()
    {
        var now = _time.GetUtcNow();
        AlertMute[] mutes = [new("srv1", "web", now.AddHours(1))];
        var db = new AlertKey("srv1", AlertKind.ContainerExited, "db");
        AlertTransition[] fired = [new(WebExited, true, now, "web exited"), new(db, true, now, "db exited")];
        var state = ServerAlertState.Empty with { Firing = fired.ToImmutableDictionary(t => t.Key, _ => now) };

        var (afterFiring, sent, resends) = NotificationPolicy.Decide(state, fired, null, mutes, now);

        Assert.Equal([fired[1]], sent);
        Assert.Empty(resends);
        Assert.Equal([db], afterFiring.Notified.Keys);

        AlertTransition[] resolved = [new(WebExited, false, now, "running"), new(db, false, now, "running")];
        var (afterResolved, sentResolved, _) = NotificationPolicy.Decide(afterFiring with { Firing = afterFiring.Firing.Clear() }, resolved, null, mutes, now);
        Assert.Equal([resolved[1]], sentResolved);
        Assert.Empty(afterResolved.Notified);
    }

    [Fact]
    public void An_alert_kept_back_by_a_mute_is_sent_once_the_mute_ends_and_then_repeats_at_its_interval()
    {
        var start = _time.GetUtcNow();
        AlertMute[] mutes = [new("srv1", null, start.AddMinutes(30))];
        var state = ServerAlertState.Empty with { Firing = ImmutableDictionary<AlertKey, DateTimeOffset>.Empty.Add(Offline, start) };
        (state, _, var resends) = NotificationPolicy.Decide(state, [], TimeSpan.FromHours(1), mutes, start.AddMinutes(29));
        Assert.Empty(resends);

        (state, _, resends) = NotificationPolicy.Decide(state, [], TimeSpan.FromHours(1), mutes, start.AddMinutes(30));
        Assert.Equal([new Resend(Offline, 0)], resends);
        (state, _, resends) = NotificationPolicy.Decide(state, [], TimeSpan.FromHours(1), mutes, start.AddMinutes(89));
        Assert.Empty(resends);
        (state, _, resends) = NotificationPolicy.Decide(state, [], TimeSpan.FromHours(1), mutes, start.AddMinutes(90));
        Assert.Equal([new Resend(Offline, 1)], resends);
        Assert.Equal(new AlertNotice(start.AddMinutes(90), 2), state.Notified[Offline]);
    }

    /// <summary>
    /// An evaluation with nothing firing, changed or remembered as sent returns the state as it is, sending nothing; one
    /// with a notice remembered for an alert no longer firing still forgets it (the short way must not be taken then).
    /// </summary>
    [Fact]
    public void Nothing_firing_changed_or_remembered_sends_nothing_and_a_notice_left_for_an_alert_not_firing_is_forgotten()
    {
        var now = _time.GetUtcNow();
        var quiet = ServerAlertState.Empty with { Pending = ImmutableDictionary<AlertKey, DateTimeOffset>.Empty.Add(Offline, now) };

        var (same, sent, resends) = NotificationPolicy.Decide(quiet, [], TimeSpan.FromMinutes(1), [], now);

        Assert.True(same.SameAs(quiet));
        Assert.Empty(sent);
        Assert.Empty(resends);

        var left = quiet with { Notified = ImmutableDictionary<AlertKey, AlertNotice>.Empty.Add(WebExited, new AlertNotice(now, 1)) };
        var (forgotten, sentNothing, noResends) = NotificationPolicy.Decide(left, [], TimeSpan.FromMinutes(1), [], now.AddHours(1));

        Assert.Empty(forgotten.Notified);
        Assert.Empty(sentNothing);
        Assert.Empty(noResends);
    }

    [Fact]
    public void A_state_stored_before_mutes_existed_counts_what_fires_as_sent()
    {
        var at = _time.GetUtcNow();
        var json = $$$"""{"firing":[{"kind":"server_offline","since":{{{at.ToUnixTimeMilliseconds()}}}}],"pending":[],"restarts":{}}""";

        var state = AlertStateJson.Read("srv1", json);

        Assert.Equal(new AlertNotice(at, 1), state.Notified[Offline]);
        Assert.Equal(state.Notified, AlertStateJson.Read("srv1", AlertStateJson.Write(state)).Notified);
        var (_, _, resends) = NotificationPolicy.Decide(state, [], null, [], at.AddDays(1));
        Assert.Empty(resends);
    }
}
