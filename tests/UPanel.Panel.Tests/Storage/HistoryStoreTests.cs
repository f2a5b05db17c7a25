using UPanel.Panel.Pages;
using UPanel.Panel.Pages.Charts;
using UPanel.Panel.Storage;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Storage;

/// <summary>
/// Rollups on the real engines: raw heartbeats older than <see cref="HistoryRollup.RawAge"/> become 4-minute rollups
/// in the transaction that deletes them, and those of each hour an hourly rollup; the charts read the same from any of
/// them, and retention prunes rollups of both tiers.
/// </summary>
public abstract class HistoryStoreTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PanelFixture
{
    private PanelHost Panel => fixture.Host;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Raw_heartbeats_older_than_25_hours_become_rollups_of_their_min_avg_max_and_are_deleted()
    {
        var server = await Panel.NewServerAsync();
        var now = Panel.Time.GetUtcNow();
        // A rollup takes every server's old heartbeats, and the tests of this class share one database: roll up what
        // another test left raw (the late heartbeats below) so the count asserted is this test's own.
        await Panel.Store.RollUpAsync(now - HistoryRollup.RawAge, Cancel);
        var step = HistoryRollup.BucketOf(now.AddDays(-2).ToUnixTimeMilliseconds());
        await InsertAsync(server.ServerId, step, (0, 10.0, 1000, 0), (60, 30.0, 1200, 6000), (120, 20.0, 1100, 18000), (180, 60.0, 1300, 18000));
        await InsertAsync(server.ServerId, step + 240_000, (10, 5.0, 900, 24000));
        await InsertAsync(server.ServerId, now.AddHours(-1).ToUnixTimeMilliseconds(), (0, 42.0, 2000, 90000));

        var rolled = await Panel.Store.RollUpAsync(now - HistoryRollup.RawAge, Cancel);

        Assert.Equal(5, rolled);
        var history = await Panel.Store.GetHistoryAsync(server.ServerId, now.AddDays(-3), now, HistoryRollup.Step, Cancel);
        Assert.Equal([4L, 1L, 1L], history.Select(h => h.Samples));
        var first = history[0];
        Assert.Equal(new Stat(4, 10, 60, 120), first.Cpu);
        Assert.Equal(new Stat(4, 1000, 1300, 4600), first.RamUsedMb);
        Assert.Equal(new Stat(3, 0, 200, 300), first.InRate);
        Assert.Equal((step, step + 180_000, 0L, 18000L), (first.FirstAtMs, first.LastAtMs, first.FirstInBytes!.Value, first.LastInBytes!.Value));
        Assert.Equal(4096, first.RamTotalMbMax);
        Assert.Equal(new Stat(1, 5, 5, 5), history[1].Cpu);
        Assert.Equal(new Stat(1, 42, 42, 42), history[2].Cpu);
        // Only the young heartbeat is left raw; the admin API's history lists it.
        var raw = await Panel.Store.GetHeartbeatsAsync(server.ServerId, null, 100, Cancel);
        Assert.Equal([now.AddHours(-1).ToUnixTimeMilliseconds()], raw.Select(h => h.SampleAt.ToUnixTimeMilliseconds()));
        Assert.Equal(0, await Panel.Store.RollUpAsync(now - HistoryRollup.RawAge, Cancel));
    }

    [Fact]
    public async Task A_heartbeat_that_arrives_after_its_step_was_rolled_up_is_merged_into_it()
    {
        var server = await Panel.NewServerAsync();
        var now = Panel.Time.GetUtcNow();
        var step = HistoryRollup.BucketOf(now.AddDays(-3).ToUnixTimeMilliseconds());
        await InsertAsync(server.ServerId, step, (0, 10.0, 1000, 0), (120, 20.0, 1000, 1200));
        await Panel.Store.RollUpAsync(now - HistoryRollup.RawAge, Cancel);

        await InsertAsync(server.ServerId, step, (60, 90.0, 2000, 600));
        Assert.Equal(1, await Panel.Store.RollUpAsync(now - HistoryRollup.RawAge, Cancel));

        var slice = Assert.Single(await Panel.Store.GetHistoryAsync(server.ServerId, now.AddDays(-4), now, HistoryRollup.Step, Cancel));
        Assert.Equal(3, slice.Samples);
        Assert.Equal(new Stat(3, 10, 90, 120), slice.Cpu);
        Assert.Equal(new Stat(3, 1000, 2000, 4000), slice.RamUsedMb);
        Assert.Equal((step, step + 120_000), (slice.FirstAtMs, slice.LastAtMs));
        var hour = Assert.Single(await Panel.Store.GetHistoryAsync(server.ServerId, now.AddDays(-4), now, HistoryRollup.HourStep, Cancel));
        Assert.Equal((3L, new Stat(3, 10, 90, 120), step, step + 120_000), (hour.Samples, hour.Cpu, hour.FirstAtMs, hour.LastAtMs));
    }

    [Fact]
    public async Task Late_heartbeats_beside_their_steps_rollup_are_read_in_time_order_until_merged()
    {
        var server = await Panel.NewServerAsync();
        var now = Panel.Time.GetUtcNow();
        var step = HistoryRollup.BucketOf(now.AddDays(-3).ToUnixTimeMilliseconds());
        await InsertAsync(server.ServerId, step, (60, 10.0, 1000, 0), (120, 20.0, 1000, 1200));
        await Panel.Store.RollUpAsync(now - HistoryRollup.RawAge, Cancel);

        // Arrived late, not rolled up yet: one sampled before the rollup's first sample, one after its last.
        await InsertAsync(server.ServerId, step, (30, 90.0, 2000, 600), (200, 5.0, 900, 1800));

        var history = await Panel.Store.GetHistoryAsync(server.ServerId, now.AddDays(-4), now, HistoryRollup.Step, Cancel);
        Assert.Equal([step + 30_000, step + 60_000, step + 200_000], history.Select(h => h.FirstAtMs));
        Assert.Equal([1L, 2L, 1L], history.Select(h => h.Samples));
    }

    [Fact]
    public async Task The_charts_of_every_range_are_the_same_after_the_rollup()
    {
        var server = await Panel.NewServerAsync();
        var now = Panel.Time.GetUtcNow();
        // Three days of a heartbeat a minute, a few seconds late each, one missed now and then.
        var start = now.AddDays(-3).ToUnixTimeMilliseconds();
        var random = new Random(7);
        var rows = new List<(long, double, long, long)>();
        long counter = 0;
        for (var i = 0; i < 3 * 1440; i++)
        {
            counter += random.Next(0, 1_000_000);
            if (i % 500 != 7)
            {
                rows.Add((i * 60L + random.Next(0, 9), Math.Round(random.NextDouble() * 100, 2), random.Next(500, 4000), counter));
            }
        }

        await InsertAsync(server.ServerId, start, [.. rows]);
        var before = await ChartsAsync(server.ServerId, now);

        Assert.True(await Panel.Store.RollUpAsync(now - HistoryRollup.RawAge, Cancel) > 2000);
        var after = await ChartsAsync(server.ServerId, now);

        // The 30-day chart (2-hour buckets) read one hourly rollup for each hour of 4-minute ones.
        var (from, to, cutoff) = (now.AddDays(-4), now, HistoryRollup.BucketOf((now - HistoryRollup.RawAge).ToUnixTimeMilliseconds()));
        var steps = (await Panel.Store.GetHistoryAsync(server.ServerId, from, to, HistoryRollup.Step, Cancel)).Where(s => s.FirstAtMs < cutoff).ToList();
        var hours = (await Panel.Store.GetHistoryAsync(server.ServerId, from, to, TimeSpan.FromHours(2), Cancel)).Where(s => s.FirstAtMs < cutoff).ToList();
        Assert.Equal(steps.Select(s => HistoryRollup.BucketOf(s.FirstAtMs, HistoryRollup.HourStepMs)).Distinct(), hours.Select(h => HistoryRollup.BucketOf(h.FirstAtMs, HistoryRollup.HourStepMs)));
        Assert.Equal(steps.Sum(s => s.Samples), hours.Sum(h => h.Samples));
        Assert.True(hours.Count > 40, $"{hours.Count} hours");

        foreach (var (range, raw) in before)
        {
            var rolled = after[range];
            Assert.Equal(raw.Samples, rolled.Samples);
            Assert.Equal(raw.Time, rolled.Time);
            foreach (var (a, b) in new[] { (raw.Cpu, rolled.Cpu), (raw.RamUsedMb, rolled.RamUsedMb), (raw.NetworkInRate, rolled.NetworkInRate) })
            {
                Assert.Equal(a.Min, b.Min);
                Assert.Equal(a.Max, b.Max);
                Assert.Equal(a.Avg.Select(v => v is null), b.Avg.Select(v => v is null));
                Assert.All(a.Avg.Zip(b.Avg), pair => Assert.True(pair.First is null || Math.Abs(pair.First.Value - pair.Second!.Value) <= 0.0011, $"{range}: {pair}"));
            }
        }
    }

    [Fact]
    public async Task Rolled_up_lowest_and_highest_values_read_back_as_the_numbers_stored()
    {
        // PostgreSQL keeps a rollup's CPU and load extremes as 4-byte floats and its RAM and disk ones as integers
        // (migration 019): a chart's lowest and highest points are still the decimals the agent sent, in either tier,
        // up to the validator's 2^30 MB and loads under 131,072 to two decimals.
        var server = await Panel.NewServerAsync();
        var now = Panel.Time.GetUtcNow();
        var step = HistoryRollup.BucketOf(now.AddDays(-2).ToUnixTimeMilliseconds());
        await InsertAsync(server.ServerId, step, (0, 37.29, 1L << 30, 0), (60, 0.07, 1, 1000), (120, 99.99, 524_287, 2000));
        foreach (var (seconds, load) in new[] { (0, 12345.67), (60, 0.01), (120, 131071.99) })
        {
            await fixture.ExecuteAsync(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"UPDATE heartbeats SET load_1 = {load} WHERE server_id = '{server.ServerId}' AND sample_at = {step + seconds * 1000}"));
        }

        await Panel.Store.RollUpAsync(now - HistoryRollup.RawAge, Cancel);

        foreach (var tier in new[] { HistoryRollup.Step, HistoryRollup.HourStep })
        {
            var slice = Assert.Single(await Panel.Store.GetHistoryAsync(server.ServerId, now.AddDays(-3), now.AddDays(-1), tier, Cancel));
            Assert.Equal((3L, 0.07, 99.99), (slice.Cpu.N, slice.Cpu.Min, slice.Cpu.Max));
            Assert.Equal((3L, 0.01, 131071.99), (slice.Load1.N, slice.Load1.Min, slice.Load1.Max));
            Assert.Equal((3L, 1.0, (double)(1L << 30)), (slice.RamUsedMb.N, slice.RamUsedMb.Min, slice.RamUsedMb.Max));
            Assert.Equal((37.29 + 0.07 + 99.99, 12345.67 + 0.01 + 131071.99), (slice.Cpu.Sum, slice.Load1.Sum));
            Assert.Equal((4096.0, 100.0), (slice.RamTotalMbMax, slice.DiskTotalGbMax));
        }
    }

    [Fact]
    public async Task Retention_prunes_rollups_older_than_its_age_and_counts_their_heartbeats()
    {
        var server = await Panel.NewServerAsync();
        var now = Panel.Time.GetUtcNow();
        var old = HistoryRollup.BucketOf(now.AddDays(-10).ToUnixTimeMilliseconds());
        var kept = HistoryRollup.BucketOf(now.AddDays(-5).ToUnixTimeMilliseconds());
        await InsertAsync(server.ServerId, old, (0, 1.0, 1, 0), (60, 2.0, 1, 0), (120, 3.0, 1, 0));
        await InsertAsync(server.ServerId, kept, (0, 4.0, 1, 0));
        await Panel.Store.RollUpAsync(now - HistoryRollup.RawAge, Cancel);

        var deleted = await Panel.Store.PruneAsync(now, now.AddDays(-7), Cancel);

        Assert.Equal(3, deleted);
        var left = Assert.Single(await Panel.Store.GetHistoryAsync(server.ServerId, now.AddDays(-30), now, HistoryRollup.Step, Cancel));
        Assert.Equal(kept, left.FirstAtMs);
    }

    [Fact]
    public async Task Retention_rolls_the_hour_it_cuts_through_up_again_from_the_steps_it_keeps()
    {
        var server = await Panel.NewServerAsync();
        var now = Panel.Time.GetUtcNow();
        // Six days old: what this test keeps is younger than the other retention test's cutoff (7 days), so not counted there.
        var hour = HistoryRollup.BucketOf(now.AddDays(-6).ToUnixTimeMilliseconds(), HistoryRollup.HourStepMs);
        await InsertAsync(server.ServerId, hour - 3_600_000, (0, 1.0, 1, 0));
        await InsertAsync(server.ServerId, hour, (0, 10.0, 1, 0), (1200, 20.0, 1, 60_000), (2400, 30.0, 1, 120_000), (2460, 40.0, 1, 126_000));
        await Panel.Store.RollUpAsync(now - HistoryRollup.RawAge, Cancel);

        // The cutoff at 30 minutes into the hour: the steps at 0 and 20 minutes go, the one at 40 minutes stays.
        var deleted = await Panel.Store.PruneAsync(now, DateTimeOffset.FromUnixTimeMilliseconds(hour + 1_800_000), Cancel);

        Assert.Equal(3, deleted);
        var left = Assert.Single(await Panel.Store.GetHistoryAsync(server.ServerId, now.AddDays(-6.5), now.AddDays(-5.5), HistoryRollup.HourStep, Cancel));
        Assert.Equal(Assert.Single(await Panel.Store.GetHistoryAsync(server.ServerId, now.AddDays(-6.5), now.AddDays(-5.5), HistoryRollup.Step, Cancel)), left);
        Assert.Equal((2L, new Stat(2, 30, 40, 70), new Stat(1, 100, 100, 100)), (left.Samples, left.Cpu, left.InRate));
        Assert.Equal((hour + 2_400_000, hour + 2_460_000), (left.FirstAtMs, left.LastAtMs));
    }

    private async Task<Dictionary<string, ChartSeries>> ChartsAsync(string serverId, DateTimeOffset now)
    {
        var charts = new Dictionary<string, ChartSeries>();
        foreach (var (range, span) in PageEndpoints.Ranges)
        {
            var window = SeriesWindow.For(span, now, 60);
            charts[range] = window.Build(await Panel.Store.GetHistoryAsync(serverId, window.ReadFrom, window.ReadTo, window.Bucket, Cancel));
        }

        return charts;
    }

    /// <summary>Heartbeats straight into the table (as an older panel stored them): offset s from <paramref name="startMs"/>, CPU, RAM, counter.</summary>
    private async Task InsertAsync(string serverId, long startMs, params (long Seconds, double Cpu, long Ram, long NetIn)[] rows)
    {
        await using var connection = await fixture.OpenDatabaseAsync();
        await using var transaction = await connection.BeginTransactionAsync(Cancel);
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO heartbeats (server_id, heartbeat_id, sample_at, received_at, agent_version, cpu_percent, ram_used_mb,
                ram_total_mb, disk_used_gb, disk_total_gb, load_1, load_5, load_15, network_in_bytes, network_out_bytes, containers)
            VALUES (@server, @id, @at, @at, '1.0.0', @cpu, @ram, 4096, 40, 100, 0.5, 0.4, 0.3, @in, @in, '[]')
            """;
        Db.Declare(insert, "server", System.Data.DbType.String);
        Db.Declare(insert, "id", System.Data.DbType.String);
        Db.Declare(insert, "at", System.Data.DbType.Int64);
        Db.Declare(insert, "cpu", System.Data.DbType.Double);
        Db.Declare(insert, "ram", System.Data.DbType.Int64);
        Db.Declare(insert, "in", System.Data.DbType.Int64);
        foreach (var (seconds, cpu, ram, netIn) in rows)
        {
            Db.Set(insert, "server", serverId);
            Db.Set(insert, "id", Guid.NewGuid().ToString("N"));
            Db.Set(insert, "at", startMs + seconds * 1000);
            Db.Set(insert, "cpu", cpu);
            Db.Set(insert, "ram", ram);
            Db.Set(insert, "in", netIn);
            await insert.ExecuteNonQueryAsync(Cancel);
        }

        await transaction.CommitAsync(Cancel);
    }
}
