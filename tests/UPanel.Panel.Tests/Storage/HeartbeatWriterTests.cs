using System.Data.Common;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using UPanel.Contracts;
using UPanel.Panel.Storage;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Storage;

/// <summary>
/// Several heartbeats in one transaction (group commit), on the real engines: each is stored once, the latest state is
/// the newest sample whatever the order in the batch, and a batch that fails stores nothing and acknowledges nothing.
/// </summary>
public abstract class HeartbeatWriterTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PanelFixture
{
    private protected TFixture Fixture => fixture;

    private protected PanelHost Panel => fixture.Host;

    [Fact]
    public async Task A_heartbeat_sent_twice_in_one_batch_is_stored_once()
    {
        var server = await Panel.NewServerAsync();
        var now = Panel.Time.GetUtcNow();
        var once = Panel.NewIngest(server.ServerId, "01JBATCHDUP0000000000000001", now.AddSeconds(-10), seq: 1);
        var other = Panel.NewIngest(server.ServerId, "01JBATCHDUP0000000000000002", now.AddSeconds(-5), seq: 2);
        await using var dialect = Dialect();
        await using var writer = new HeartbeatWriter(dialect);

        var results = await writer.WriteAsync([once, once with { }, other]);
        var again = await writer.WriteAsync([once]);

        Assert.Equal([IngestOutcome.StoredAsLatest, IngestOutcome.Duplicate, IngestOutcome.StoredAsLatest], results.Select(r => r.Outcome));
        Assert.Equal(IngestOutcome.Duplicate, again.Single().Outcome);
        var stored = await Panel.Store.GetHeartbeatsAsync(server.ServerId, null, 100, CancellationToken.None);
        Assert.Equal([2L, 1L], stored.Select(h => h.Seq!.Value));
    }

    [Fact]
    public async Task Each_heartbeat_of_a_batch_is_stored_with_its_own_values_and_not_the_ones_bound_for_the_one_before()
    {
        // The SQLite writer binds each row's values to statements compiled once per batch, and SQLite keeps a value bound
        // until it is bound again (docs/decisions/ingest-throughput.md, tenth pass): a heartbeat without a figure, a version
        // or a seq after one with them must be stored without them, and its latest state too.
        var server = await Panel.NewServerAsync();
        var now = Panel.Time.GetUtcNow();
        var full = Panel.NewIngest(server.ServerId, "01JBATCHROWS00000000000001", now.AddSeconds(-2), seq: 1) with
        {
            Metrics = new HostMetrics
            {
                CpuPercent = 12.5, RamUsedMb = 1024, RamTotalMb = 4096, DiskUsedGb = 45, DiskTotalGb = 100, LoadAverage = [0.5, 0.4, 0.3],
                NetworkInBytes = 123, NetworkOutBytes = 456,
            },
            AgentVersion = "1.2.3",
        };
        var bare = Panel.NewIngest(server.ServerId, "01JBATCHROWS00000000000002", now.AddSeconds(-1), seq: 2) with
        {
            Seq = null,
            Metrics = new HostMetrics(),
            AgentVersion = null,
            TimestampFromReceipt = true,
        };
        await using var dialect = Dialect();
        await using var writer = new HeartbeatWriter(dialect);

        var results = await writer.WriteAsync([full, bare]);

        Assert.Equal([IngestOutcome.StoredAsLatest, IngestOutcome.StoredAsLatest], results.Select(r => r.Outcome));
        var stored = (await Panel.Store.GetHeartbeatsAsync(server.ServerId, null, 100, CancellationToken.None)).OrderBy(h => h.SampleAt).ToList();
        Assert.Equal(
            [(1L, "1.2.3", false), (null, null, true)],
            stored.Select(h => (h.Seq, h.AgentVersion is "" ? null : h.AgentVersion, h.TimestampFromReceipt)));
        static object Figures(HostMetrics m) =>
            (m.CpuPercent, m.RamUsedMb, m.RamTotalMb, m.DiskUsedGb, m.DiskTotalGb, m.LoadAverage is { } l ? string.Join(' ', l) : null, m.NetworkInBytes, m.NetworkOutBytes);
        Assert.Equal(Figures(full.Metrics), Figures(stored[0].Metrics));
        Assert.Equal(Figures(new HostMetrics()), Figures(stored[1].Metrics));
        var record = (await Panel.Store.GetServerAsync(server.ServerId, CancellationToken.None))!;
        Assert.Equal((now.AddSeconds(-1), (long?)null, "1.2.3"), (record.LatestSampleAt!.Value, record.LatestSeq, record.LatestAgentVersion));
        Assert.Equal((null, null, null), (record.LatestMetrics!.CpuPercent, record.LatestMetrics.DiskUsedGb, record.LatestMetrics.LoadAverage));
    }

    [Fact]
    public async Task The_latest_state_after_a_batch_is_its_newest_sample_whatever_the_order()
    {
        var server = await Panel.NewServerAsync();
        var now = Panel.Time.GetUtcNow();
        var batch = new[] { 2, 5, 1, 3 }
            .Select(s => Panel.NewIngest(server.ServerId, $"01JBATCHORDER00000000000000{s}", now.AddSeconds(s - 10), seq: s))
            .ToList();
        await using var dialect = Dialect();
        await using var writer = new HeartbeatWriter(dialect);

        var results = await writer.WriteAsync(batch);

        Assert.Equal(
            [IngestOutcome.StoredAsLatest, IngestOutcome.StoredAsLatest, IngestOutcome.StoredAsHistory, IngestOutcome.StoredAsHistory],
            results.Select(r => r.Outcome));
        var record = await Panel.Store.GetServerAsync(server.ServerId, CancellationToken.None);
        Assert.Equal(now.AddSeconds(-5), record!.LatestSampleAt);
        Assert.Equal(5, record.LatestSeq);
        Assert.Equal(batch[1].HeartbeatId, (await Panel.Store.GetLatestHeartbeatAsync(server.ServerId, CancellationToken.None))!.HeartbeatId);
        Assert.Equal(now, record.LastSeenAt);
        Assert.Equal(4, (await Panel.Store.GetHeartbeatsAsync(server.ServerId, null, 100, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task A_failed_batch_stores_nothing_and_only_its_bad_heartbeat_goes_unacknowledged()
    {
        var server = await Panel.NewServerAsync();
        var now = Panel.Time.GetUtcNow();
        var good1 = Panel.NewIngest(server.ServerId, "01JBATCHFAIL00000000000001", now.AddSeconds(-3), seq: 1);
        var bad = Panel.NewIngest(server.ServerId, "poison-01JBATCHFAIL000000002", now.AddSeconds(-2), seq: 2);
        var good2 = Panel.NewIngest(server.ServerId, "01JBATCHFAIL00000000000003", now.AddSeconds(-1), seq: 3);
        await using var dialect = Dialect();
        var before = await ChargedUntilAsync(server.ServerId);

        await InjectInsertFailureAsync();
        try
        {
            // The batch as one transaction: refused whole, nothing of it stored, nothing charged.
            await using (var writer = new HeartbeatWriter(dialect))
            {
                await Assert.ThrowsAnyAsync<DbException>(() => writer.WriteAsync([good1, bad, good2]));
            }

            Assert.Empty(await Panel.Store.GetHeartbeatsAsync(server.ServerId, null, 100, CancellationToken.None));
            Assert.Equal(before, await ChargedUntilAsync(server.ServerId));

            // Through the store's group commit, sent at once: the good ones are stored and answered, the bad one is not.
            await using var store = new SqlPanelStore(dialect, Panel.Time, NullLogger<SqlPanelStore>.Instance);
            var sent = new[] { good1, bad, good2 }.Select(h => store.IngestAsync(h, CancellationToken.None)).ToArray();
            await Assert.ThrowsAnyAsync<DbException>(() => sent[1]);
            Assert.NotEqual(IngestOutcome.Duplicate, (await sent[0]).Outcome);
            Assert.NotEqual(IngestOutcome.Duplicate, (await sent[2]).Outcome);
        }
        finally
        {
            await RemoveInsertFailureAsync();
        }

        var stored = await Panel.Store.GetHeartbeatsAsync(server.ServerId, null, 100, CancellationToken.None);
        Assert.Equal([3L, 1L], stored.Select(h => h.Seq!.Value));
    }

    [Fact]
    public async Task Container_history_keeps_a_compressed_row_only_when_the_containers_state_changes()
    {
        var server = await Panel.NewServerAsync();
        var now = Panel.Time.GetUtcNow();
        ContainerInfo[] Containers(int exited, double cpu) => [.. Enumerable.Range(0, 20).Select(i => new ContainerInfo
        {
            Id = $"{i:x12}", Name = $"web_{i}", Image = "nginx:1.25", Status = i == exited ? "exited" : "running",
            Health = "none", UptimeSeconds = 1000 + i, CpuPercent = cpu + i / 4.0, MemoryMb = 100 + i,
        })];
        var first = Panel.NewHeartbeat(server.ServerId, seq: 1, timestamp: now.AddMinutes(-3)) with { Containers = Containers(3, 1) };
        var busier = Panel.NewHeartbeat(server.ServerId, seq: 2, timestamp: now.AddMinutes(-2)) with { Containers = Containers(3, 50) };
        var changed = Panel.NewHeartbeat(server.ServerId, seq: 3, timestamp: now.AddMinutes(-1)) with { Containers = Containers(4, 50) };
        var noDocker = Panel.NewHeartbeat(server.ServerId, seq: 4, timestamp: now) with { Containers = null };

        foreach (var heartbeat in new[] { first, busier, changed, noDocker })
        {
            await Panel.HeartbeatOkAsync(server.AgentToken, heartbeat);
        }

        // Other CPU figures are the same state; another container exited is a new one; no Docker is no row.
        await using var connection = await fixture.OpenDatabaseAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT at, containers_zlib FROM container_states WHERE server_id = @server ORDER BY at";
        Db.Add(command, "server", server.ServerId);
        var rows = new List<(long At, byte[] Zlib)>();
        await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                rows.Add((reader.GetInt64(0), reader.GetFieldValue<byte[]>(1)));
            }
        }

        Assert.Equal([first.Timestamp!.Value.ToUnixTimeMilliseconds(), changed.Timestamp!.Value.ToUnixTimeMilliseconds()], rows.Select(r => r.At));
        using var inflated = new MemoryStream();
        await using (var zlib = new System.IO.Compression.ZLibStream(new MemoryStream(rows[1].Zlib), System.IO.Compression.CompressionMode.Decompress))
        {
            await zlib.CopyToAsync(inflated, TestContext.Current.CancellationToken);
        }

        var containers = JsonSerializer.Deserialize(inflated.ToArray(), UPanel.Panel.Api.PanelJsonContext.Default.IReadOnlyListContainerInfo)!;
        Assert.Equal(changed.Containers, containers);
        Assert.True(rows[1].Zlib.Length * 3 < inflated.Length, $"{rows[1].Zlib.Length} bytes compressed from {inflated.Length}");

        // Retention prunes container states with the rest of history.
        await Panel.Store.PruneAsync(now, now.AddSeconds(-90), TestContext.Current.CancellationToken);
        await using var left = connection.CreateCommand();
        left.CommandText = "SELECT COUNT(*) FROM container_states WHERE server_id = @server";
        Db.Add(left, "server", server.ServerId);
        Assert.Equal(1L, Convert.ToInt64(await left.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_batch_of_several_servers_answers_each_heartbeat_in_the_order_sent()
    {
        // The PostgreSQL writer runs a batch sorted by server (one lock order for every panel): the answers still follow
        // the order sent, a server's own heartbeats keep theirs, and a stale one or a duplicate inside the batch is told so.
        var servers = new[] { await Panel.NewServerAsync(), await Panel.NewServerAsync() }
            .OrderByDescending(s => s.ServerId, StringComparer.Ordinal).ToArray();
        var (a, b) = (servers[0].ServerId, servers[1].ServerId);
        var now = Panel.Time.GetUtcNow();
        var a5 = Panel.NewIngest(a, "01JBATCHMIX0000000000000A5", now.AddSeconds(-5), seq: 5);
        var b3 = Panel.NewIngest(b, "01JBATCHMIX0000000000000B3", now.AddSeconds(-3), seq: 3);
        var a1 = Panel.NewIngest(a, "01JBATCHMIX0000000000000A1", now.AddSeconds(-9), seq: 1);
        var b4 = Panel.NewIngest(b, "01JBATCHMIX0000000000000B4", now.AddSeconds(-2), seq: 4);
        var unknown = Panel.NewIngest(a, "01JBATCHMIX0000000000000X1", now.AddSeconds(-1), seq: 1) with { ServerId = "srv_not_registered" };
        await using var dialect = Dialect();
        await using var writer = new HeartbeatWriter(dialect);

        var results = await writer.WriteAsync([a5, b3, a5 with { }, a1, unknown, b4]);

        Assert.Equal(
            [IngestOutcome.StoredAsLatest, IngestOutcome.StoredAsLatest, IngestOutcome.Duplicate, IngestOutcome.StoredAsHistory,
                IngestOutcome.UnknownServer, IngestOutcome.StoredAsLatest],
            results.Select(r => r.Outcome));
        Assert.Equal(a5.HeartbeatId, (await Panel.Store.GetLatestHeartbeatAsync(a, CancellationToken.None))!.HeartbeatId);
        Assert.Equal(b4.HeartbeatId, (await Panel.Store.GetLatestHeartbeatAsync(b, CancellationToken.None))!.HeartbeatId);
        Assert.Equal(5, (await Panel.Store.GetServerAsync(a, CancellationToken.None))!.LatestSeq);
        Assert.Equal([1L, 5L], (await Panel.Store.GetHeartbeatsAsync(a, null, 100, CancellationToken.None)).Select(h => h.Seq!.Value).Order());
        Assert.Equal([3L, 4L], (await Panel.Store.GetHeartbeatsAsync(b, null, 100, CancellationToken.None)).Select(h => h.Seq!.Value).Order());
    }

    [Fact]
    public async Task A_heartbeat_over_its_servers_limit_in_a_batch_is_refused_alone()
    {
        var limited = await Panel.NewServerAsync();
        var other = await Panel.NewServerAsync();
        var now = Panel.Time.GetUtcNow();
        var oneAtATime = new HeartbeatQuota { HeartbeatsPerSecond = 1, HeartbeatBurst = 1 };
        var first = Panel.NewIngest(limited.ServerId, "01JBATCHLIMIT00000000000001", now.AddSeconds(-2), seq: 1) with { Quota = oneAtATime };
        var second = Panel.NewIngest(limited.ServerId, "01JBATCHLIMIT00000000000002", now.AddSeconds(-1), seq: 2) with { Quota = oneAtATime };
        var others = Panel.NewIngest(other.ServerId, "01JBATCHLIMIT00000000000003", now.AddSeconds(-1), seq: 1);
        await using var dialect = Dialect();
        await using var writer = new HeartbeatWriter(dialect);

        var results = await writer.WriteAsync([first, second, others]);

        Assert.Equal([IngestOutcome.StoredAsLatest, IngestOutcome.RateLimited, IngestOutcome.StoredAsLatest], results.Select(r => r.Outcome));
        // One heartbeat a second with a burst of one: the second waits out what the first charged.
        Assert.Equal(TimeSpan.FromSeconds(1), results[1].RetryAfter);
        Assert.Equal([1L], (await Panel.Store.GetHeartbeatsAsync(limited.ServerId, null, 100, CancellationToken.None)).Select(h => h.Seq!.Value));
        Assert.Equal(1, (await Panel.Store.GetServerAsync(limited.ServerId, CancellationToken.None))!.LatestSeq);
    }

    [Fact]
    public async Task A_batch_mixing_duplicates_a_refused_heartbeat_and_good_ones_answers_each_with_its_own_outcome()
    {
        // PostgreSQL writes a batch as one statement per round, a round holding each server once (a server's n-th
        // heartbeat in the n-th): a server sending three in one batch, one of them again, one over its limit, beside
        // other servers' and an unknown one, gets the outcome it would get alone, heartbeat after heartbeat.
        var busy = await Panel.NewServerAsync();
        var limited = await Panel.NewServerAsync();
        var quiet = await Panel.NewServerAsync();
        var now = Panel.Time.GetUtcNow();
        var twoAtATime = new HeartbeatQuota { HeartbeatsPerSecond = 1, HeartbeatBurst = 2 };
        var b1 = Panel.NewIngest(busy.ServerId, "01JBATCHROUND0000000000B01", now.AddSeconds(-3), seq: 1);
        var b3 = Panel.NewIngest(busy.ServerId, "01JBATCHROUND0000000000B03", now.AddSeconds(-1), seq: 3);
        var b2 = Panel.NewIngest(busy.ServerId, "01JBATCHROUND0000000000B02", now.AddSeconds(-2), seq: 2);
        var l1 = Panel.NewIngest(limited.ServerId, "01JBATCHROUND0000000000L01", now.AddSeconds(-3), seq: 1) with { Quota = twoAtATime };
        var l2 = Panel.NewIngest(limited.ServerId, "01JBATCHROUND0000000000L02", now.AddSeconds(-2), seq: 2) with { Quota = twoAtATime };
        var l3 = Panel.NewIngest(limited.ServerId, "01JBATCHROUND0000000000L03", now.AddSeconds(-1), seq: 3) with { Quota = twoAtATime };
        var q1 = Panel.NewIngest(quiet.ServerId, "01JBATCHROUND0000000000Q01", now.AddSeconds(-1), seq: 1);
        var unknown = Panel.NewIngest(quiet.ServerId, "01JBATCHROUND0000000000X01", now, seq: 1) with { ServerId = "srv_not_registered" };
        await using var dialect = Dialect();
        await using var writer = new HeartbeatWriter(dialect);
        await writer.WriteAsync([q1]);

        var results = await writer.WriteAsync([b1, l1, b3, q1 with { }, l2, unknown, b1 with { }, l3, b2]);

        Assert.Equal(
            [(IngestOutcome.StoredAsLatest, (TimeSpan?)null), (IngestOutcome.StoredAsLatest, null), (IngestOutcome.StoredAsLatest, null),
                (IngestOutcome.Duplicate, null), (IngestOutcome.StoredAsLatest, null), (IngestOutcome.UnknownServer, null),
                (IngestOutcome.Duplicate, null), (IngestOutcome.RateLimited, TimeSpan.FromSeconds(1)), (IngestOutcome.StoredAsHistory, null)],
            results.Select(r => (r.Outcome, r.RetryAfter)));
        Assert.Equal([1L, 2L, 3L], (await Panel.Store.GetHeartbeatsAsync(busy.ServerId, null, 100, CancellationToken.None)).Select(h => h.Seq!.Value).Order());
        Assert.Equal([1L, 2L], (await Panel.Store.GetHeartbeatsAsync(limited.ServerId, null, 100, CancellationToken.None)).Select(h => h.Seq!.Value).Order());
        Assert.Equal([1L], (await Panel.Store.GetHeartbeatsAsync(quiet.ServerId, null, 100, CancellationToken.None)).Select(h => h.Seq!.Value));
        Assert.Equal((3L, 2L), ((await Panel.Store.GetServerAsync(busy.ServerId, CancellationToken.None))!.LatestSeq!.Value,
            (await Panel.Store.GetServerAsync(limited.ServerId, CancellationToken.None))!.LatestSeq!.Value));
        Assert.Equal(b3.HeartbeatId, (await Panel.Store.GetLatestHeartbeatAsync(busy.ServerId, CancellationToken.None))!.HeartbeatId);
    }

    [Fact]
    public async Task Container_states_changed_inside_one_batch_are_stored_as_heartbeat_by_heartbeat()
    {
        // The state in effect at a heartbeat's time includes what an earlier heartbeat of the same batch stored: a change
        // and a change back inside one batch keep both rows, and a server whose containers did not change gets none.
        var server = await Panel.NewServerAsync();
        var quiet = await Panel.NewServerAsync();
        var now = Panel.Time.GetUtcNow();
        ContainerInfo[] Containers(int exited) => [.. Enumerable.Range(0, 5).Select(i => new ContainerInfo
        {
            Id = $"{i:x12}", Name = $"web_{i}", Image = "nginx:1.25", Status = i == exited ? "exited" : "running",
            Health = "none", UptimeSeconds = 1000 + i, CpuPercent = i, MemoryMb = 100 + i,
        })];
        HeartbeatIngest With(HeartbeatIngest heartbeat, ContainerInfo[] containers) => heartbeat with
        {
            Containers = containers,
            ContainerCount = containers.Length,
            ContainersDigest = ContainerHistory.Digest(containers),
        };
        await using var dialect = Dialect();
        await using var writer = new HeartbeatWriter(dialect);
        var start = With(Panel.NewIngest(server.ServerId, "01JBATCHSTATE0000000000001", now.AddSeconds(-4), seq: 1), Containers(1));
        var quietStart = With(Panel.NewIngest(quiet.ServerId, "01JBATCHSTATE0000000000011", now.AddSeconds(-4), seq: 1), Containers(1));
        await writer.WriteAsync([start, quietStart]);

        var changed = With(Panel.NewIngest(server.ServerId, "01JBATCHSTATE0000000000002", now.AddSeconds(-3), seq: 2), Containers(2));
        var back = With(Panel.NewIngest(server.ServerId, "01JBATCHSTATE0000000000003", now.AddSeconds(-2), seq: 3), Containers(1));
        var same = With(Panel.NewIngest(server.ServerId, "01JBATCHSTATE0000000000004", now.AddSeconds(-1), seq: 4), Containers(1));
        var quietSame = With(Panel.NewIngest(quiet.ServerId, "01JBATCHSTATE0000000000012", now.AddSeconds(-2), seq: 2), Containers(1));
        var results = await writer.WriteAsync([changed, quietSame, back, same]);

        Assert.All(results, r => Assert.Equal(IngestOutcome.StoredAsLatest, r.Outcome));
        Assert.Equal(new[] { start, changed, back }.Select(h => h.SampleAt.ToUnixTimeMilliseconds()), await StateTimesAsync(server.ServerId));
        Assert.Equal([quietStart.SampleAt.ToUnixTimeMilliseconds()], await StateTimesAsync(quiet.ServerId));
    }

    [Fact]
    public async Task A_deleted_servers_heartbeats_go_with_it_and_its_next_heartbeat_is_refused()
    {
        // The heartbeats' foreign key to servers (kept on both engines: docs/decisions/ingest-throughput.md, PostgreSQL,
        // thirteenth pass) takes a deleted server's heartbeats with it, and the writer refuses its next one.
        var gone = await Panel.NewServerAsync();
        var kept = await Panel.NewServerAsync();
        var now = Panel.Time.GetUtcNow();
        await using var dialect = Dialect();
        await using var writer = new HeartbeatWriter(dialect);
        await writer.WriteAsync([
            Panel.NewIngest(gone.ServerId, "01JDELETED0000000000000001", now.AddSeconds(-3), seq: 1),
            Panel.NewIngest(kept.ServerId, "01JDELETED0000000000000011", now.AddSeconds(-3), seq: 1)]);

        await ExecuteAsync(dialect, $"DELETE FROM servers WHERE id = '{gone.ServerId}'");
        var results = await writer.WriteAsync([
            Panel.NewIngest(gone.ServerId, "01JDELETED0000000000000002", now.AddSeconds(-2), seq: 2),
            Panel.NewIngest(kept.ServerId, "01JDELETED0000000000000012", now.AddSeconds(-2), seq: 2)]);

        Assert.Equal([IngestOutcome.UnknownServer, IngestOutcome.StoredAsLatest], results.Select(r => r.Outcome));
        Assert.Equal((0L, 2L), (await HeartbeatCountAsync(gone.ServerId), await HeartbeatCountAsync(kept.ServerId)));
    }

    [Fact]
    public async Task A_token_promotion_and_a_refused_heartbeats_wait_are_part_of_the_batch_and_undone_with_it()
    {
        // The statements a batch runs only now and then, beside the ones compiled for every heartbeat: the new token's
        // first use ends the previous one's overlap, and a refused heartbeat's wait is read from the charge's row. Both
        // inside the batch's transaction: stored with it, undone with it (on SQLite the transaction is begun by a
        // statement of the writer's own, which Microsoft.Data.Sqlite's commands must run inside: sixteenth pass of
        // docs/decisions/ingest-throughput.md).
        var server = await Panel.NewServerAsync();
        var now = Panel.Time.GetUtcNow();
        await Fixture.ExecuteAsync($"""
            UPDATE servers SET token_hash_prev = token_hash, prev_expires_at = {now.AddHours(24).ToUnixTimeMilliseconds()},
                pending_token_sealed = 'sealed-new-token', token_hash = 'hash-of-the-new-token' WHERE id = '{server.ServerId}'
            """);
        var oneAtATime = new HeartbeatQuota { HeartbeatsPerSecond = 1, HeartbeatBurst = 1 };
        var promoting = Panel.NewIngest(server.ServerId, "01JRARECMDS000000000000001", now.AddSeconds(-2), seq: 1) with
        {
            Quota = oneAtATime,
            PromoteTokenHash = "hash-of-the-new-token",
        };
        var refused = Panel.NewIngest(server.ServerId, "01JRARECMDS000000000000002", now.AddSeconds(-1), seq: 2) with { Quota = oneAtATime };
        var bad = Panel.NewIngest(server.ServerId, "poison-01JRARECMDS0000000003", now, seq: 3);
        await using var dialect = Dialect();
        var before = await ChargedUntilAsync(server.ServerId);

        await InjectInsertFailureAsync();
        try
        {
            await using var failing = new HeartbeatWriter(dialect);
            await Assert.ThrowsAnyAsync<DbException>(() => failing.WriteAsync([promoting, refused, bad]));
        }
        finally
        {
            await RemoveInsertFailureAsync();
        }

        Assert.Equal(("hash-of-the-new-token", true, true), await TokenStateAsync(server.ServerId));
        Assert.Equal(before, await ChargedUntilAsync(server.ServerId));
        Assert.Empty(await Panel.Store.GetHeartbeatsAsync(server.ServerId, null, 100, CancellationToken.None));

        await using var writer = new HeartbeatWriter(dialect);
        var results = await writer.WriteAsync([promoting, refused]);

        Assert.Equal(
            [(IngestOutcome.StoredAsLatest, (TimeSpan?)null), (IngestOutcome.RateLimited, TimeSpan.FromSeconds(1))],
            results.Select(r => (r.Outcome, r.RetryAfter)));
        Assert.Equal(("hash-of-the-new-token", false, false), await TokenStateAsync(server.ServerId));
        Assert.Equal([1L], (await Panel.Store.GetHeartbeatsAsync(server.ServerId, null, 100, CancellationToken.None)).Select(h => h.Seq!.Value));
    }

    /// <summary>The server's token, and whether the previous one and the pending new one are still kept.</summary>
    private async Task<(string Token, bool Previous, bool Pending)> TokenStateAsync(string serverId)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT token_hash, token_hash_prev IS NOT NULL, pending_token_sealed IS NOT NULL FROM servers WHERE id = '{serverId}'";
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        return (reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2));
    }

    private protected async Task<long> HeartbeatCountAsync(string serverId)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM heartbeats WHERE server_id = '{serverId}'";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>On a connection of the panel's own dialect (SQLite's enforces foreign keys, as the panel's do).</summary>
    private protected static async Task ExecuteAsync(SqlDialect dialect, string sql)
    {
        await using var connection = await dialect.OpenAsync(CancellationToken.None);
        await ExecuteAsync(connection, null, sql);
    }

    private protected static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private async Task<List<long>> StateTimesAsync(string serverId)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT at FROM container_states WHERE server_id = @server ORDER BY at";
        Db.Add(command, "server", serverId);
        var times = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            times.Add(reader.GetInt64(0));
        }

        return times;
    }

    private protected SqlDialect Dialect() => fixture.Options.UsesPostgres
        ? new PostgresDialect(fixture.Options.PostgresConnectionString!)
        : new SqliteDialect(fixture.Options.SqlitePath);

    private async Task<long> ChargedUntilAsync(string serverId)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT rate_tat FROM servers WHERE id = '{serverId}'";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A real failure inside the engine: inserting a heartbeat whose id starts with "poison" raises an error.</summary>
    private async Task InjectInsertFailureAsync() => await fixture.ExecuteAsync(fixture.Engine == "sqlite"
        ? """
          CREATE TRIGGER test_poison BEFORE INSERT ON heartbeats WHEN NEW.heartbeat_id LIKE 'poison%'
          BEGIN SELECT RAISE(ABORT, 'injected failure'); END
          """
        : """
          CREATE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN IF NEW.heartbeat_id LIKE 'poison%' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$;
          CREATE TRIGGER test_poison BEFORE INSERT ON heartbeats FOR EACH ROW EXECUTE FUNCTION test_poison();
          """);

    private async Task RemoveInsertFailureAsync() => await fixture.ExecuteAsync(fixture.Engine == "sqlite"
        ? "DROP TRIGGER test_poison"
        : "DROP TRIGGER test_poison ON heartbeats; DROP FUNCTION test_poison();");

}

/// <summary>The writer's tests on PostgreSQL, and what only PostgreSQL has: row locks a statement waits on, storage parameters.</summary>
public sealed class HeartbeatWriterTestsOnPostgres(PostgresPanelFixture fixture) : HeartbeatWriterTests<PostgresPanelFixture>(fixture)
{
    [Fact]
    public async Task A_server_deleted_while_its_heartbeat_is_stored_leaves_none_of_its_heartbeats()
    {
        // The delete waits for the batch that holds the server's row, then deletes what that batch stored; a batch that
        // waits for the delete finds no server and stores nothing.
        var first = await Panel.NewServerAsync();
        var second = await Panel.NewServerAsync();
        var now = Panel.Time.GetUtcNow();
        await using var dialect = Dialect();
        await using var writer = new HeartbeatWriter(dialect);
        await writer.WriteAsync([Panel.NewIngest(first.ServerId, "01JDELRACE0000000000000001", now.AddSeconds(-3), seq: 1)]);

        // The batch first: its transaction holds the row as the writer's statement does; the delete waits for it.
        await using (var batch = await dialect.OpenAsync(CancellationToken.None))
        await using (var transaction = await batch.BeginTransactionAsync(TestContext.Current.CancellationToken))
        {
            await ExecuteAsync(batch, transaction, $"SELECT 1 FROM servers WHERE id = '{first.ServerId}' FOR NO KEY UPDATE");
            await ExecuteAsync(batch, transaction, $"""
                INSERT INTO heartbeats (server_id, heartbeat_id, seq, sample_at, received_at, agent_version)
                VALUES ('{first.ServerId}', '01JDELRACE0000000000000002', 2, {now.AddSeconds(-2).ToUnixTimeMilliseconds()}, {now.ToUnixTimeMilliseconds()}, '1.0.0')
                """);
            var delete = ExecuteAsync(dialect, $"DELETE FROM servers WHERE id = '{first.ServerId}'");
            await WaitForLockAsync(dialect, delete);
            await transaction.CommitAsync(TestContext.Current.CancellationToken);
            await delete;
        }

        Assert.Equal(0L, await HeartbeatCountAsync(first.ServerId));

        // The delete first: the writer's statement waits for it, then finds no server.
        await using (var deleting = await dialect.OpenAsync(CancellationToken.None))
        await using (var transaction = await deleting.BeginTransactionAsync(TestContext.Current.CancellationToken))
        {
            await ExecuteAsync(deleting, transaction, $"DELETE FROM servers WHERE id = '{second.ServerId}'");
            var write = writer.WriteAsync([Panel.NewIngest(second.ServerId, "01JDELRACE0000000000000011", now.AddSeconds(-1), seq: 1)]);
            await WaitForLockAsync(dialect, write);
            await transaction.CommitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(IngestOutcome.UnknownServer, (await write).Single().Outcome);
        }

        Assert.Equal(0L, await HeartbeatCountAsync(second.ServerId));
    }

    [Fact]
    public async Task The_servers_row_leaves_room_in_its_page_for_its_next_version_and_compresses_its_body_with_lz4()
    {
        // Every heartbeat writes its server's row again: the new version in the same page (HOT, no index entries) and
        // the body compressed with lz4, four times faster than pglz (docs/decisions/ingest-throughput.md, PostgreSQL,
        // thirteenth pass).
        var server = await Panel.NewServerAsync();
        var now = Panel.Time.GetUtcNow();
        var body = Panel.NewIngest(server.ServerId, "01JLZ4BODY0000000000000001", now.AddSeconds(-1), seq: 1);
        // A body as large as 20 containers make it, so that PostgreSQL compresses it.
        var large = body with { HeartbeatJson = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(Encoding.UTF8.GetString(body.HeartbeatJson) + " ", 8))) };
        await using var dialect = Dialect();
        await using var writer = new HeartbeatWriter(dialect);
        await writer.WriteAsync([large]);

        await using var connection = await Fixture.OpenDatabaseAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT (SELECT array_to_string(reloptions, ',') FROM pg_class WHERE oid = 'servers'::regclass),
                (SELECT pg_column_compression(latest_heartbeat) FROM servers WHERE id = '{server.ServerId}')
            """;
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Equal(("fillfactor=25", "lz4"), (reader.GetString(0), reader.GetString(1)));
    }

    /// <summary>Until another statement of the panel's database waits for a lock (or <paramref name="task"/> ended early).</summary>
    private static async Task WaitForLockAsync(SqlDialect dialect, Task task)
    {
        for (var i = 0; i < 600 && !task.IsCompleted; i++)
        {
            await using var connection = await dialect.OpenAsync(CancellationToken.None);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
            if (Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) > 0)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.False(task.IsCompleted, "the statement that should wait for the lock ended without waiting");
        Assert.Fail("no statement waited for the lock within 30 s");
    }
}
