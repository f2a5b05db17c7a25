using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using UPanel.Panel.Alerts;
using UPanel.Panel.Pages;
using UPanel.Panel.Storage;
using UPanel.Panel.Tests.Alerts;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.ScaleOut;

/// <summary>
/// Two panels on one PostgreSQL database take the same fleet and the same people, whichever of them answers
/// (docs/scale-out.md). Requests go to A or B explicitly; <see cref="NginxRoundRobinTests"/> puts real nginx in front.
/// </summary>
public sealed partial class TwoPanelTests(TwoPanelsFixture fixture) : IClassFixture<TwoPanelsFixture>
{
    private PanelHost A => fixture.A;

    private PanelHost B => fixture.B;

    [Fact]
    public async Task A_session_and_a_form_token_from_one_panel_are_accepted_by_the_other()
    {
        // The sign-in form comes from A and is posted to B: B accepts A's anti-forgery token, and its session cookie is
        // good at A.
        var form = await SignInFormAsync(A);
        using var signIn = await PostSignInAsync(B, form, A.AdminKey);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var session = Cookie(signIn, "upanel_session");

        foreach (var panel in new[] { A, B })
        {
            using var client = Browserless(panel);
            using var page = new HttpRequestMessage(HttpMethod.Get, "/ui/servers.json");
            page.Headers.Add("Cookie", session);
            using var answer = await client.SendAsync(page, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            using var anonymous = await client.GetAsync("/ui/servers.json", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }
    }

    /// <remarks>Behind round-robin nginx the redirect after a form's post may land on the other panel.</remarks>
    [Fact]
    public async Task A_token_rotated_at_one_panel_is_shown_once_by_the_other_and_its_reload_rotates_nothing()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var server = await A.NewServerAsync("rotated-across-host");
        using var signIn = await PostSignInAsync(A, await SignInFormAsync(A), A.AdminKey);
        var session = Cookie(signIn, "upanel_session");
        using var a = Browserless(A);
        using var detail = new HttpRequestMessage(HttpMethod.Get, $"/servers/{server.ServerId}");
        detail.Headers.Add("Cookie", session);
        using var detailPage = await a.SendAsync(detail, cancellationToken);
        var formToken = WebUtility.HtmlDecode(FormToken().Match(await detailPage.Content.ReadAsStringAsync(cancellationToken)).Groups[1].Value);
        using var rotate = new HttpRequestMessage(HttpMethod.Post, $"/servers/{server.ServerId}/rotate-token")
        {
            Content = new FormUrlEncodedContent([new("__RequestVerificationToken", formToken)]),
        };
        rotate.Headers.Add("Cookie", $"{session}; {Cookie(detailPage, "upanel_antiforgery")}");

        using var rotated = await a.SendAsync(rotate, cancellationToken);

        Assert.Equal(HttpStatusCode.SeeOther, rotated.StatusCode);
        Assert.Equal($"/servers/{server.ServerId}?done=token-rotated", rotated.Headers.Location?.OriginalString);
        var notice = Cookie(rotated, "upanel_notice");

        // The redirect's GET at B shows the token and clears the notice; asked again, B says it was shown once.
        using var b = Browserless(B);
        using var first = new HttpRequestMessage(HttpMethod.Get, rotated.Headers.Location);
        first.Headers.Add("Cookie", $"{session}; {notice}");
        using var shownPage = await b.SendAsync(first, cancellationToken);
        var html = await shownPage.Content.ReadAsStringAsync(cancellationToken);
        var token = WebUtility.HtmlDecode(NewToken().Match(html).Groups[1].Value);
        Assert.Equal((HttpStatusCode.OK, 64), (shownPage.StatusCode, token.Length));
        Assert.DoesNotContain(token, notice, StringComparison.Ordinal);
        Assert.Equal("upanel_notice=", shownPage.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith("upanel_notice=", StringComparison.Ordinal)));
        using var reload = new HttpRequestMessage(HttpMethod.Get, rotated.Headers.Location);
        reload.Headers.Add("Cookie", session);
        using var reloaded = await b.SendAsync(reload, cancellationToken);
        var again = await reloaded.Content.ReadAsStringAsync(cancellationToken);
        Assert.Contains("id=\"rotated-before\"", again, StringComparison.Ordinal);
        Assert.DoesNotContain(token, again, StringComparison.Ordinal);

        // The token B showed is the one A made.
        using var heartbeat = await A.PostHeartbeatAsync(token, A.NewHeartbeat(server.ServerId));
        Assert.Equal(HttpStatusCode.OK, heartbeat.StatusCode);
    }

    [Fact]
    public async Task Failed_sign_ins_are_counted_together_so_spreading_them_over_both_panels_gains_nothing()
    {
        for (var attempt = 0; attempt < SignInThrottle.MaxFailures; attempt++)
        {
            var panel = attempt % 2 == 0 ? A : B;
            using var refused = await PostSignInAsync(panel, await SignInFormAsync(panel), "not-the-key");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // Now both refuse even the right key for the rest of the window, and both let it in after it.
        foreach (var panel in new[] { A, B })
        {
            using var throttled = await PostSignInAsync(panel, await SignInFormAsync(panel), A.AdminKey);
            Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
            Assert.Contains("Too many failed sign-ins from this address", await throttled.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }

        A.Time.Advance(SignInThrottle.Window);
        using var signedIn = await PostSignInAsync(B, await SignInFormAsync(B), A.AdminKey);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        await using var connection = await fixture.OpenDatabaseAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM sign_in_failures";
        Assert.Equal(0L, await count.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_heartbeat_sent_to_both_panels_at_once_is_stored_once()
    {
        var server = await A.NewServerAsync("duplicate-host");

        for (var seq = 1; seq <= 20; seq++)
        {
            // The agent's retry of a heartbeat whose answer was lost, landing on the other panel while the first is stored.
            var heartbeat = A.NewHeartbeat(server.ServerId, seq);
            var answers = await Task.WhenAll(A.PostHeartbeatAsync(server.AgentToken, heartbeat), B.PostHeartbeatAsync(server.AgentToken, heartbeat));
            Assert.All(answers, answer => Assert.Equal(HttpStatusCode.OK, answer.StatusCode));
            foreach (var answer in answers)
            {
                answer.Dispose();
            }
        }

        await using var connection = await fixture.OpenDatabaseAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*), COUNT(DISTINCT heartbeat_id), MIN(seq), MAX(seq) FROM heartbeats WHERE server_id = @server";
        count.Parameters.Add(new NpgsqlParameter("server", server.ServerId));
        await using var reader = await count.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Equal((20L, 20L, 1L, 20L), (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
        var state = await B.AdminGetAsync($"/api/admin/servers/{server.ServerId}");
        Assert.Equal(20, state.GetProperty("latest_seq").GetInt64());
    }

    [Fact]
    public async Task A_registration_repeated_at_the_other_panel_is_the_same_server_and_a_raced_install_token_makes_one()
    {
        // A lost answer: the agent registers again with the same install token and lands on B.
        var installToken = await A.CreateInstallTokenAsync();
        var first = await A.RegisterAsync(installToken, "repeat-host", "machine-repeat");
        var again = await B.RegisterAsync(installToken, "repeat-host", "machine-repeat");
        Assert.Equal(first.ServerId, again.ServerId);
        using (var lost = await A.PostHeartbeatAsync(first.AgentToken, A.NewHeartbeat(first.ServerId)))
        {
            await Auth.AssertUnauthorizedAsync(lost);
        }

        await A.HeartbeatOkAsync(again.AgentToken, A.NewHeartbeat(again.ServerId));

        // One install token used by two machines at once, one at each panel: one server, the other refused.
        var contested = await B.CreateInstallTokenAsync();
        var answers = await Task.WhenAll(
            A.SendAsync(HttpMethod.Post, "/api/agent/register", contested, PanelHost.RegisterBody("race-a", "machine-race-a")),
            B.SendAsync(HttpMethod.Post, "/api/agent/register", contested, PanelHost.RegisterBody("race-b", "machine-race-b")));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Unauthorized], answers.Select(a => a.StatusCode).Order());
        var servers = (await A.AdminGetAsync("/api/admin/servers")).GetProperty("servers").EnumerateArray()
            .Select(s => s.GetProperty("hostname").GetString()).Where(h => h!.StartsWith("race-", StringComparison.Ordinal)).ToList();
        Assert.Single(servers);
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
    }

    [Fact]
    public async Task A_token_rotated_at_one_panel_is_handed_out_and_taken_up_at_the_other_and_the_old_one_is_then_refused()
    {
        var server = await A.NewServerAsync("rotate-host");
        await Task.WhenAll(A.ListeningAsync(), B.ListeningAsync());
        await B.HeartbeatOkAsync(server.AgentToken, B.NewHeartbeat(server.ServerId, 1));

        // Each panel keeps the credentials it read, and hears of the other's changes shortly after their commit: B once it
        // was told (docs/decisions/ingest-throughput.md, PostgreSQL, fourteenth pass).
        using var rotate = await B.ToldOfAsync(() => A.SendAsync(HttpMethod.Post, $"/api/admin/servers/{server.ServerId}/rotate-token", A.AdminKey));
        var rotated = (await PanelHost.ReadJsonAsync(rotate, 200)).GetProperty("agent_token").GetString()!;

        // B opens what A sealed (the same UPANEL_TOKEN_KEY) and hands the new token to the agent.
        var handedOut = await B.HeartbeatOkAsync(server.AgentToken, B.NewHeartbeat(server.ServerId, 2));
        SecretAssert.Same(rotated, handedOut.NewAgentToken, "the rotated token handed out by the other panel");

        // Until the new token is used, the old one still works at either panel; its first use at B ends that at both.
        await A.HeartbeatOkAsync(server.AgentToken, A.NewHeartbeat(server.ServerId, 3));
        var taken = await A.ToldOfAsync(() => B.HeartbeatOkAsync(rotated, B.NewHeartbeat(server.ServerId, 4)));
        Assert.Null(taken.NewAgentToken);
        foreach (var panel in new[] { A, B })
        {
            using var old = await panel.PostHeartbeatAsync(server.AgentToken, panel.NewHeartbeat(server.ServerId, 5));
            await Auth.AssertUnauthorizedAsync(old);
        }

        await A.HeartbeatOkAsync(rotated, A.NewHeartbeat(server.ServerId, 6));
    }

    [Fact]
    public async Task Rules_changed_at_one_panel_are_used_by_the_others_next_evaluation()
    {
        // Each panel keeps the rules it parsed by the settings' stored text (docs/decisions/ingest-throughput.md, ninth
        // pass): a change at the other panel is new text in the database, so it is parsed at the next read.
        var server = await A.NewServerAsync("rules-host");
        var alerts = A.App.Services.GetRequiredService<AlertStore>();
        var before = await alerts.RulesForAsync(server.ServerId, TestContext.Current.CancellationToken);
        Assert.Same(before, await alerts.RulesForAsync(server.ServerId, TestContext.Current.CancellationToken));
        Assert.Equal(90, before.CpuPercent);
        try
        {
            await B.AdminPutAsync("/api/admin/alert-rules", """{"cpu_percent":70}""");
            Assert.Equal(70, (await alerts.RulesForAsync(server.ServerId, TestContext.Current.CancellationToken)).CpuPercent);

            await B.AdminPutAsync($"/api/admin/servers/{server.ServerId}/alert-rules", """{"cpu_percent":75,"container_exited":false}""");
            var own = await alerts.RulesForAsync(server.ServerId, TestContext.Current.CancellationToken);
            Assert.Equal((75, false), (own.CpuPercent, own.Enabled(AlertKind.ContainerExited)));
        }
        finally
        {
            await B.AdminPutAsync("/api/admin/alert-rules", "{}");
        }

        var after = await alerts.RulesForAsync(server.ServerId, TestContext.Current.CancellationToken);
        Assert.Equal((75, false), (after.CpuPercent, after.Enabled(AlertKind.ContainerExited)));
    }

    [Fact]
    public async Task A_mute_made_at_one_panel_and_token_failures_another_recorded_are_in_the_others_next_evaluation()
    {
        // The evaluation reads with the server's row, at every evaluation, whether the server has mutes or token failures
        // (docs/decisions/ingest-throughput.md, tenth pass): nothing kept from one evaluation to the next may hide what
        // another panel wrote meanwhile.
        var server = await A.NewServerAsync("muted-at-b-host");
        await A.HeartbeatEvaluatedAsync(server, A.Heartbeat(server.ServerId, 1, A.Container("web", "running")));

        // Muted at B; A's next evaluation finds the exit and records it muted.
        await B.MuteAsync(server.ServerId, "web", A.Time.GetUtcNow() + TimeSpan.FromHours(1));
        await A.HeartbeatEvaluatedAsync(server, A.Heartbeat(server.ServerId, 2, A.Container("web", "exited", exitCode: 1)));
        var exited = Assert.Single(await A.WaitForAlertsAsync(server.ServerId, 1));
        Assert.Equal(("container_exited", true), (exited.GetProperty("kind").GetString(), exited.GetProperty("muted").GetBoolean()));

        // Three refused heartbeats recorded by another panel (written here straight into the database, so that panel's own
        // evaluation does not fire the alert): A's next evaluation counts them and fires.
        await using (var connection = await fixture.OpenDatabaseAsync())
        await using (var failures = connection.CreateCommand())
        {
            var at = A.Time.GetUtcNow().ToUnixTimeMilliseconds();
            failures.CommandText = $"INSERT INTO token_failures (server_id, at) VALUES ('{server.ServerId}', {at - 180_000}), ('{server.ServerId}', {at - 120_000}), ('{server.ServerId}', {at - 60_000})";
            Assert.Equal(3, await failures.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));
        }

        await A.HeartbeatOkAsync(server.AgentToken, A.Heartbeat(server.ServerId, 3, A.Container("web", "exited", exitCode: 1)));
        var alerts = await A.WaitForAlertsAsync(server.ServerId, 2);
        Assert.Equal(["container_exited", "token_failures"], alerts.Select(a => a.GetProperty("kind").GetString()));
        Assert.StartsWith("3 heartbeats naming this server were refused for their token", alerts[1].GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Both_panels_fit_the_disk_forecast_to_the_same_samples_within_a_minute()
    {
        // Each evaluation used to fit the window ending at its own now: B, evaluating ten seconds after A, would count a
        // sample A did not. Both fit the window ending at the start of the minute (docs/decisions/ingest-throughput.md,
        // twelfth pass), so they agree until the minute turns, and then both count it.
        var server = await A.NewServerAsync("forecast-across-host");
        var clock = A.Time.GetUtcNow();
        var minute = DiskForecast.FittedAt(clock).AddMinutes(1);
        A.Time.Advance(minute.AddSeconds(5) - clock);
        await using (var connection = await fixture.OpenDatabaseAsync())
        {
            await ForecastHistory.InsertAsync(connection, server.ServerId, minute);
        }

        await ForecastHistory.HeartbeatAsync(A, server, 1);
        await ForecastHistory.EvaluatedAsync(A.App.Services.GetRequiredService<AlertService>(), server.ServerId);
        A.Time.Advance(TimeSpan.FromSeconds(10));
        await ForecastHistory.EvaluatedAsync(B.App.Services.GetRequiredService<AlertService>(), server.ServerId);
        Assert.False(await ForecastHistory.FiringAsync(B, server.ServerId));

        A.Time.Advance(TimeSpan.FromSeconds(50));
        await ForecastHistory.HeartbeatAsync(B, server, 2);
        await ForecastHistory.EvaluatedAsync(A.App.Services.GetRequiredService<AlertService>(), server.ServerId);
        Assert.True(await ForecastHistory.FiringAsync(A, server.ServerId));
    }

    [Fact]
    public async Task Retention_is_run_by_one_panel_at_a_time_and_the_other_skips_its_run()
    {
        var server = await A.NewServerAsync("retention-host");
        var old = A.Time.GetUtcNow().AddDays(-40).ToUnixTimeMilliseconds();
        await using var connection = await fixture.OpenDatabaseAsync();
        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = $"""
                INSERT INTO heartbeats (server_id, heartbeat_id, seq, sample_at, received_at, agent_version)
                SELECT '{server.ServerId}', 'old-' || i, i, {old} + i, {old} + i, '1.0.0' FROM generate_series(1, 50) AS i
                """;
            await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        // While a third party (as a panel mid-prune) holds retention's lock, both panels skip their run.
        await using (var holder = await connection.BeginTransactionAsync(TestContext.Current.CancellationToken))
        {
            await using (var lockIt = connection.CreateCommand())
            {
                lockIt.Transaction = holder;
                lockIt.CommandText = $"SELECT pg_advisory_xact_lock({(long)PanelLock.Retention})";
                await lockIt.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            }

            var skipped = await RetentionRunAsync();
            Assert.Equal([0, 0], skipped);
            Assert.Equal(50L, await OldRowsAsync());
            Assert.All(new[] { A, B }, panel => Assert.Contains(panel.Logs.GetSnapshot(), r => r.Id.Id == 2113));
        }

        // Released: the next runs delete each old row once between them.
        var ran = await RetentionRunAsync();
        Assert.Equal(50, ran.Sum());
        Assert.Equal(0L, await OldRowsAsync());

        async Task<long> OldRowsAsync()
        {
            await using var count = connection.CreateCommand();
            count.CommandText = $"SELECT COUNT(*) FROM heartbeats WHERE server_id = '{server.ServerId}' AND heartbeat_id LIKE 'old-%'";
            return (long)(await count.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
        }
    }

    [Fact]
    public async Task An_alert_is_sent_once_with_both_panels_evaluating_and_sending_including_an_offline_both_sweeps_find()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (channelId, _) = await A.AddChannelAsync("webhook", receiver.Url);
        var server = await A.NewServerAsync("twice-host");
        await A.HeartbeatEvaluatedAsync(server, A.Heartbeat(server.ServerId, 1, A.Container("web", "running")));

        // The exit arrives at B and is repeated at A: one alert, sent once by whichever panel leased it.
        await B.HeartbeatEvaluatedAsync(server, B.Heartbeat(server.ServerId, 2, B.Container("web", "exited", exitCode: 1)));
        await A.HeartbeatEvaluatedAsync(server, A.Heartbeat(server.ServerId, 3, A.Container("web", "exited", exitCode: 1)));
        var exited = Assert.Single(await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 1));
        Assert.Equal("container_exited", exited.Json.GetProperty("kind").GetString());

        // The clock jumps past the exit's lease next: until the sender has recorded the delivery (just after the
        // receiver had it), the other panel would find that lease run out, as after a crash mid-send, and send it again.
        var exitedId = Assert.Single(await A.WaitForAlertsAsync(server.ServerId, 1)).GetProperty("id").GetInt64();
        await B.WaitForDeliveriesAsync(exitedId, log => log.Any(d => Of(d, channelId) && d.GetProperty("state").GetString() == "delivered"));

        // Both panels' sweeps find the server quiet at the same moment: one offline alert, sent once.
        A.Time.Advance(TimeSpan.FromSeconds(190) + AlertService.SweepInterval);
        var both = await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 2);
        Assert.Equal("server_offline", both[1].Json.GetProperty("kind").GetString());

        // Both senders poll a few more times: nothing is sent again.
        for (var poll = 0; poll < 3; poll++)
        {
            A.Time.Advance(NotificationSender.PollInterval);
            await new[] { A, B }.SenderRoundsAsync();
        }

        Assert.Equal(["container_exited", "server_offline"], receiver.Received.Where(r => r.IsFor(server.ServerId)).Select(r => r.Json.GetProperty("kind").GetString()));
        var alerts = await A.WaitForAlertsAsync(server.ServerId, 2);
        Assert.Equal(["container_exited", "server_offline"], alerts.Select(a => a.GetProperty("kind").GetString()));
        foreach (var alert in alerts)
        {
            // This test's channel only: another test's that failed before removing its own would be listed too.
            var log = await B.WaitForDeliveriesAsync(alert.GetProperty("id").GetInt64(), log => log.Any(d => Of(d, channelId) && d.GetProperty("state").GetString() == "delivered"));
            var delivered = Assert.Single(log, d => Of(d, channelId));
            Assert.Equal(1, delivered.GetProperty("attempts").GetInt32());
        }

        await A.DeleteChannelAsync(channelId);
    }

    [Fact]
    public async Task An_evaluation_that_loses_the_race_to_the_other_panel_is_run_again_not_dropped()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (channelId, _) = await A.AddChannelAsync("webhook", receiver.Url);
        var server = await A.NewServerAsync("raced-host");
        await B.HeartbeatEvaluatedAsync(server, B.Heartbeat(server.ServerId, 1, B.Container("web", "running")));

        // The other panel's commit lands between B's read of the alert state and B's write of it: the row is locked
        // (B's write waits on it) and committed with a new version, as A's evaluation of the same server would.
        await using var connection = await fixture.OpenDatabaseAsync();
        await using (var other = await connection.BeginTransactionAsync(TestContext.Current.CancellationToken))
        {
            await using (var lockRow = connection.CreateCommand())
            {
                lockRow.Transaction = other;
                lockRow.CommandText = $"SELECT version FROM alert_state WHERE server_id = '{server.ServerId}' FOR UPDATE";
                await lockRow.ExecuteScalarAsync(TestContext.Current.CancellationToken);
            }

            await B.HeartbeatOkAsync(server.AgentToken, B.Heartbeat(server.ServerId, 2, B.Container("web", "exited", exitCode: 1)));
            await WaitForBlockedWriterAsync(connection);
            await using (var bump = connection.CreateCommand())
            {
                bump.Transaction = other;
                bump.CommandText = $"UPDATE alert_state SET version = version + 1 WHERE server_id = '{server.ServerId}'";
                await bump.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            }

            await other.CommitAsync(TestContext.Current.CancellationToken);
        }

        // B evaluates again from the new version at once (no sweep: the clock stands still) and the exit is sent.
        var sent = Assert.Single(await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 1));
        Assert.Equal("container_exited", sent.Json.GetProperty("kind").GetString());
        Assert.Contains(B.Logs.GetSnapshot(), r => r.Id.Id == 2302 && r.Message.Contains(server.ServerId, StringComparison.Ordinal));
        await A.DeleteChannelAsync(channelId);
    }

    [Fact]
    public async Task A_notification_waiting_behind_a_slow_one_is_not_taken_and_sent_again_by_the_other_panel()
    {
        // Two channels, so one alert makes two notifications. The channel answers the first only after a while, so the
        // second waits behind it at the panel that leased the first. A third post (one sent again) is answered at once and
        // counted.
        await using var receiver = await WebhookReceiver.StartAsync();
        var gates = new[] { new TaskCompletionSource(), new TaskCompletionSource() };
        var held = 0;
        var server = await A.NewServerAsync("slow-host");
        receiver.Hold = r => r.IsFor(server.ServerId) && Interlocked.Increment(ref held) is var n && n <= gates.Length ? gates[n - 1].Task : Task.CompletedTask;
        var channels = new[] { (await A.AddChannelAsync("webhook", receiver.Url)).Id, (await A.AddChannelAsync("webhook", receiver.Url)).Id };
        await A.HeartbeatEvaluatedAsync(server, A.Heartbeat(server.ServerId, 1, A.Container("web", "running")));
        await A.HeartbeatEvaluatedAsync(server, A.Heartbeat(server.ServerId, 2, A.Container("web", "exited", exitCode: 1)));
        await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 1);

        // Most of a lease later the other panel polls and sends the second, which is slow too; then the first is answered.
        A.Time.Advance(NotificationSender.Lease - TimeSpan.FromSeconds(10));
        await receiver.WaitForAsync(r => r.IsFor(server.ServerId), 2);
        gates[0].SetResult();

        // Past the first lease: a lease taken with the first would have ended now and the panel that sent the first would
        // send the second again while it is still on its way. That panel is free, the other is held in the second's post.
        A.Time.Advance(TimeSpan.FromSeconds(11));
        await new[] { A, B }.SenderRoundsAsync(atLeast: 1);
        foreach (var gate in gates)
        {
            gate.TrySetResult();
        }

        var alert = Assert.Single(await A.WaitForAlertsAsync(server.ServerId, 1)).GetProperty("id").GetInt64();
        var log = (await A.WaitForDeliveriesAsync(alert, log => log.Count(d => channels.Any(c => Of(d, c)) && d.GetProperty("state").GetString() == "delivered") == 2))
            .Where(d => channels.Any(c => Of(d, c))).ToList();
        A.Time.Advance(NotificationSender.PollInterval);
        await new[] { A, B }.SenderRoundsAsync();
        Assert.Equal(2, receiver.Received.Count(r => r.IsFor(server.ServerId)));
        Assert.All(log, d => Assert.Equal(1, d.GetProperty("attempts").GetInt32()));
        foreach (var channel in channels)
        {
            await A.DeleteChannelAsync(channel);
        }
    }

    private static bool Of(System.Text.Json.JsonElement delivery, string channelId) => delivery.GetProperty("channel_id").GetString() == channelId;

    private async Task<int[]> RetentionRunAsync()
    {
        var runs = new[] { A, B }.Select(p => p.App.Services.GetRequiredService<RetentionService>().NextRun).ToArray();
        A.Time.Advance(A.Options.RetentionInterval);
        return await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
    }

    /// <summary>Waits until a statement of this database waits for a lock (B's write of the alert state).</summary>
    private static Task WaitForBlockedWriterAsync(System.Data.Common.DbConnection connection) =>
        Poll.UntilAsync(
            async () =>
            {
                await using var waiting = connection.CreateCommand();
                // A row lock is waited for on the holder's transaction id, a lock with no database: ask who waits instead.
                waiting.CommandText = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
                return (long)(await waiting.ExecuteScalarAsync(TestContext.Current.CancellationToken))! > 0;
            },
            "B's write of the alert state to wait on the locked row", TimeSpan.FromSeconds(30));

    private static HttpClient Browserless(PanelHost panel) =>
        new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = panel.BaseAddress };

    /// <summary>GET /signin: the anti-forgery cookie and the form's token, as a browser would keep them.</summary>
    internal static async Task<(string Cookie, string Token)> SignInFormAsync(PanelHost panel)
    {
        using var client = Browserless(panel);
        using var response = await client.GetAsync("/signin");
        var html = await response.Content.ReadAsStringAsync();
        var token = FormToken().Match(html);
        Assert.True(token.Success, "the sign-in page has no anti-forgery field");
        return (Cookie(response, "upanel_antiforgery"), WebUtility.HtmlDecode(token.Groups[1].Value));
    }

    internal static async Task<HttpResponseMessage> PostSignInAsync(PanelHost panel, (string Cookie, string Token) form, string key)
    {
        using var client = Browserless(panel);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/signin")
        {
            Content = new FormUrlEncodedContent([new("key", key), new("return", "/"), new("__RequestVerificationToken", form.Token)]),
        };
        request.Headers.Add("Cookie", form.Cookie);
        return await client.SendAsync(request);
    }

    /// <summary>"name=value" of the cookie the answer sets.</summary>
    internal static string Cookie(HttpResponseMessage response, string name) =>
        response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith(name + "=", StringComparison.Ordinal));

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();

    [GeneratedRegex("<code id=\"new-token\">([^<]+)</code>")]
    private static partial Regex NewToken();
}
