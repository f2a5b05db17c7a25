using System.Net;
using Npgsql;
using UPanel.Contracts;
using UPanel.Panel.Storage;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.ScaleOut;

/// <summary>
/// Each panel on PostgreSQL keeps the agent tokens' credentials it read while it listens for changes, and every change
/// made anywhere reaches the others at its commit (docs/decisions/ingest-throughput.md, PostgreSQL, fourteenth pass).
/// </summary>
public sealed class CredentialsListenerTests(TwoPanelsFixture fixture) : IClassFixture<TwoPanelsFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private PanelHost A => fixture.A;

    private PanelHost B => fixture.B;

    [Fact]
    public async Task A_heartbeat_made_with_a_token_the_panel_keeps_reads_no_token_from_the_database()
    {
        await B.ListeningAsync();
        var server = await A.NewServerAsync("kept-host");
        await B.HeartbeatOkAsync(server.AgentToken, B.NewHeartbeat(server.ServerId, 1));
        var reads = B.SqlStore.CredentialReads;

        for (var seq = 2; seq <= 11; seq++)
        {
            await B.HeartbeatOkAsync(server.AgentToken, B.NewHeartbeat(server.ServerId, seq));
        }

        Assert.Equal(reads, B.SqlStore.CredentialReads);
    }

    [Fact]
    public async Task A_token_revoked_rotated_or_deleted_through_one_panel_is_refused_by_the_other_that_kept_it()
    {
        await Task.WhenAll(A.ListeningAsync(), B.ListeningAsync());
        var seq = 0;

        // Revoked at A.
        var revoked = await KeptByBAsync("revoked-host");
        using (var revoke = await A.SendAsync(HttpMethod.Post, $"/api/admin/servers/{revoked.ServerId}/revoke", A.AdminKey))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        await RefusedByBAsync(revoked, "the token revoked at A");

        // Deleted by another writer than a panel (there is no API for it): the trigger tells both panels too.
        var deleted = await KeptByBAsync("deleted-host");
        await fixture.ExecuteAsync($"DELETE FROM servers WHERE id = '{deleted.ServerId}'");
        await RefusedByBAsync(deleted, "the token of the server deleted in the database");

        // Rotated at A: B hands the new token out with the old one's next heartbeat; the new one's first use at A ends
        // the old one at B.
        var rotated = await KeptByBAsync("rotated-host");
        using var rotate = await A.SendAsync(HttpMethod.Post, $"/api/admin/servers/{rotated.ServerId}/rotate-token", A.AdminKey);
        var newToken = (await PanelHost.ReadJsonAsync(rotate, 200)).GetProperty("agent_token").GetString()!;
        await Poll.UntilAsync(
            async () => (await B.HeartbeatOkAsync(rotated.AgentToken, B.NewHeartbeat(rotated.ServerId, ++seq))).NewAgentToken == newToken,
            "B to hand out the token rotated at A", Deadline);
        await A.HeartbeatOkAsync(newToken, A.NewHeartbeat(rotated.ServerId, ++seq));
        await RefusedByBAsync(rotated, "the previous token once the rotated one was used at A");
        await B.HeartbeatOkAsync(newToken, B.NewHeartbeat(rotated.ServerId, ++seq));

        async Task<RegisterResponse> KeptByBAsync(string hostname)
        {
            var server = await A.NewServerAsync(hostname);
            await B.HeartbeatOkAsync(server.AgentToken, B.NewHeartbeat(server.ServerId, ++seq));
            var reads = B.SqlStore.CredentialReads;
            await B.HeartbeatOkAsync(server.AgentToken, B.NewHeartbeat(server.ServerId, ++seq));
            Assert.Equal(reads, B.SqlStore.CredentialReads);
            return server;
        }

        async Task RefusedByBAsync(RegisterResponse server, string what) =>
            await Poll.UntilAsync(
                async () =>
                {
                    using var answer = await B.PostHeartbeatAsync(server.AgentToken, B.NewHeartbeat(server.ServerId, ++seq));
                    return answer.StatusCode == HttpStatusCode.Unauthorized;
                },
                $"B to refuse {what}", Deadline);
    }

    [Fact]
    public async Task With_its_listening_connection_gone_a_panel_reads_every_token_until_it_listens_again()
    {
        var listener = await B.ListeningAsync();
        var revoked = await A.NewServerAsync("revoked-while-deaf");
        var kept = await A.NewServerAsync("kept-while-deaf");
        await B.HeartbeatOkAsync(revoked.AgentToken, B.NewHeartbeat(revoked.ServerId, 1));
        await B.HeartbeatOkAsync(kept.AgentToken, B.NewHeartbeat(kept.ServerId, 1));
        var listeningLogged = B.Logs.GetSnapshot().Count(r => r.Id.Id == 2140);

        // The connection ended by the server, as an administrator or a failover would: PostgreSQL names it.
        await using (var connection = (NpgsqlConnection)await fixture.OpenDatabaseAsync())
        await using (var terminate = new NpgsqlCommand(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = @pid AND application_name LIKE '% credentials listener'", connection))
        {
            terminate.Parameters.AddWithValue("pid", listener.ProcessId);
            Assert.Equal(true, await terminate.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        }

        await Poll.UntilAsync(() => !listener.Listening, "B's listener to see its connection gone", Deadline);
        using (var revoke = await A.SendAsync(HttpMethod.Post, $"/api/admin/servers/{revoked.ServerId}/revoke", A.AdminKey))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        // Not told of the revocation, B does not use what it kept: refused at once, and the other token read again.
        using (var refused = await B.PostHeartbeatAsync(revoked.AgentToken, B.NewHeartbeat(revoked.ServerId, 2)))
        {
            await Auth.AssertUnauthorizedAsync(refused);
        }

        var reads = B.SqlStore.CredentialReads;
        await B.HeartbeatOkAsync(kept.AgentToken, B.NewHeartbeat(kept.ServerId, 2));
        await B.HeartbeatOkAsync(kept.AgentToken, B.NewHeartbeat(kept.ServerId, 3));
        Assert.Equal(reads + 2, B.SqlStore.CredentialReads);

        // It listens again after its first retry's wait (on the panels' clock), and keeps tokens again.
        await Poll.UntilAsync(
            () =>
            {
                A.Time.Advance(TimeSpan.FromSeconds(1));
                return listener.Listening;
            },
            "B's listener to listen again", Deadline);
        await B.HeartbeatOkAsync(kept.AgentToken, B.NewHeartbeat(kept.ServerId, 4));
        reads = B.SqlStore.CredentialReads;
        await B.HeartbeatOkAsync(kept.AgentToken, B.NewHeartbeat(kept.ServerId, 5));
        Assert.Equal(reads, B.SqlStore.CredentialReads);
        using (var stillRefused = await B.PostHeartbeatAsync(revoked.AgentToken, B.NewHeartbeat(revoked.ServerId, 3)))
        {
            await Auth.AssertUnauthorizedAsync(stillRefused);
        }

        // Each change of state said once.
        var logs = B.Logs.GetSnapshot();
        Assert.Equal((1, listeningLogged + 1), (logs.Count(r => r.Id.Id == 2141), logs.Count(r => r.Id.Id == 2140)));
    }

    [Fact]
    public async Task The_heartbeat_writers_updates_of_a_servers_row_notify_nobody_and_a_settings_change_does()
    {
        var server = await A.NewServerAsync("quiet-host");
        var received = new List<string>();
        await using var listen = (NpgsqlConnection)await fixture.OpenDatabaseAsync();
        listen.Notification += (_, e) => received.Add(e.Payload);
        await using (var command = new NpgsqlCommand($"LISTEN {CredentialsListener.Channel}", listen))
        {
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        // Newer, older and repeated heartbeats at both panels: the charge, last_seen_at and the latest state written.
        var now = A.Time.GetUtcNow();
        for (var seq = 1; seq <= 20; seq++)
        {
            var panel = seq % 2 == 0 ? A : B;
            var heartbeat = panel.NewHeartbeat(server.ServerId, seq, now.AddSeconds(seq % 3 == 0 ? -seq : seq));
            await panel.HeartbeatOkAsync(server.AgentToken, heartbeat);
            if (seq % 5 == 0)
            {
                await panel.HeartbeatOkAsync(server.AgentToken, heartbeat);
            }
        }

        // Then a change the panels keep (told), then the test's own mark: PostgreSQL delivers in commit order, so
        // whatever the heartbeats sent arrived before both.
        using (var settings = await A.SendAsync(HttpMethod.Post, $"/api/admin/servers/{server.ServerId}/settings", A.AdminKey, """{"next_heartbeat_seconds":30}"""))
        {
            Assert.Equal(HttpStatusCode.OK, settings.StatusCode);
        }

        await using (var mark = new NpgsqlCommand($"NOTIFY {CredentialsListener.Channel}, 'mark'", listen))
        {
            await mark.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!received.Contains("mark") && clock.Elapsed < Deadline)
        {
            await listen.WaitAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        }

        Assert.Equal(["", "mark"], received);
    }
}
