using UPanel.Panel.Storage;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Storage;

/// <summary>The rollup tests on PostgreSQL, and what only PostgreSQL has: the rollups' row layout (migration 019).</summary>
public sealed class HistoryStoreTestsOnPostgres(PostgresPanelFixture fixture) : HistoryStoreTests<PostgresPanelFixture>(fixture)
{
    private readonly PostgresPanelFixture _fixture = fixture;

    [Fact]
    public async Task A_rollup_row_of_either_tier_takes_256_bytes_with_nothing_padded()
    {
        // 24 bytes of row header, the ULID (27 bytes, 1 to align), seventeen 4-byte columns and seventeen 8-byte ones:
        // 256 bytes (328 with the 8-byte counts and extremes of migrations 010 and 015). Nothing NULL, so no NULL bitmap.
        var server = await _fixture.Host.NewServerAsync();
        var now = _fixture.Host.Time.GetUtcNow();
        var step = HistoryRollup.BucketOf(now.AddDays(-2).ToUnixTimeMilliseconds());
        await _fixture.ExecuteAsync($"""
            INSERT INTO heartbeats (server_id, heartbeat_id, sample_at, received_at, agent_version, cpu_percent, ram_used_mb,
                ram_total_mb, disk_used_gb, disk_total_gb, load_1, load_5, load_15, network_in_bytes, network_out_bytes)
            SELECT '{server.ServerId}', 'layout-' || i, {step} + i * 60000, {step} + i * 60000, '1.0.0', 12.5 + i, 1000 + i, 4096,
                40, 100, 0.5, 0.4, 0.3, 1000 * i, 500 * i
            FROM generate_series(0, 3) i
            """);
        await _fixture.Host.Store.RollUpAsync(now - HistoryRollup.RawAge, TestContext.Current.CancellationToken);

        await using var connection = await _fixture.OpenDatabaseAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT (SELECT pg_column_size(r.*) FROM heartbeat_rollups r WHERE server_id = '{server.ServerId}'),
                (SELECT pg_column_size(h.*) FROM heartbeat_rollups_hourly h WHERE server_id = '{server.ServerId}')
            """;
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Equal(26, server.ServerId.Length);
        Assert.Equal((256, 256), (reader.GetInt32(0), reader.GetInt32(1)));
    }

    [Fact]
    public async Task A_cpu_too_small_for_a_real_is_rolled_up_as_zero_not_refused()
    {
        // The validator takes any CPU from 0 to 100; PostgreSQL refuses to cast 1e-50 to real (underflow), which would
        // stop every rollup of the server. The writer rounds to a float first, as the column keeps it.
        var server = await _fixture.Host.NewServerAsync();
        var now = _fixture.Host.Time.GetUtcNow();
        var step = HistoryRollup.BucketOf(now.AddDays(-2).ToUnixTimeMilliseconds());
        await _fixture.ExecuteAsync($"""
            INSERT INTO heartbeats (server_id, heartbeat_id, sample_at, received_at, agent_version, cpu_percent, load_1)
            VALUES ('{server.ServerId}', 'tiny-1', {step}, {step}, '1.0.0', 1e-50, 1e-50), ('{server.ServerId}', 'tiny-2', {step + 60000}, {step + 60000}, '1.0.0', 3.5, 0.25)
            """);

        await _fixture.Host.Store.RollUpAsync(now - HistoryRollup.RawAge, TestContext.Current.CancellationToken);

        var slice = Assert.Single(await _fixture.Host.Store.GetHistoryAsync(
            server.ServerId, now.AddDays(-3), now.AddDays(-1), HistoryRollup.Step, TestContext.Current.CancellationToken));
        Assert.Equal((2L, 0.0, 3.5), (slice.Cpu.N, slice.Cpu.Min, slice.Cpu.Max));
        Assert.Equal((0.0, 0.25), (slice.Load1.Min, slice.Load1.Max));
    }
}
