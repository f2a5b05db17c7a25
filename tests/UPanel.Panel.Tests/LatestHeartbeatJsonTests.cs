using System.Text;
using System.Text.Json;
using UPanel.Contracts;
using UPanel.Panel.Api;
using UPanel.Panel.Storage;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests;

/// <summary>
/// <c>latest_heartbeat</c> holds the body as received when normalizing changed nothing, instead of the heartbeat
/// serialized again (docs/decisions/ingest-throughput.md, third pass): reading it back gives what re-serializing gave.
/// </summary>
public abstract class LatestHeartbeatJsonTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PanelFixture
{
    private PanelHost Panel => fixture.Host;

    [Fact]
    public async Task A_body_sent_with_other_spacing_and_an_unknown_field_reads_back_as_the_heartbeat_it_said()
    {
        var server = await Panel.NewServerAsync();
        var heartbeat = Panel.NewHeartbeat(server.ServerId, seq: 1);
        var compact = JsonSerializer.Serialize(heartbeat, ContractsJsonContext.Default.Heartbeat);
        // Indented, and a field a newer agent might send: still the same heartbeat to the panel.
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            JsonDocument.Parse(compact).RootElement.WriteTo(writer);
        }

        var body = "{\n  \"from_a_newer_agent\": {\"x\": [1, 2]}," + Encoding.UTF8.GetString(buffer.ToArray())[1..];

        using var response = await Panel.SendAsync(HttpMethod.Post, "/api/agent/heartbeat", server.AgentToken, body);
        await PanelHost.ReadJsonAsync(response, 200);

        var latest = await Panel.Store.GetLatestHeartbeatAsync(server.ServerId, CancellationToken.None);
        Assert.Equal(compact, JsonSerializer.Serialize(latest!, ContractsJsonContext.Default.Heartbeat));
    }

    [Fact]
    public async Task The_body_is_stored_as_text_byte_for_byte_whatever_its_characters()
    {
        // The SQLite writer binds the body's UTF-8 bytes and casts them to TEXT (eighth pass): stored as text, not a BLOB,
        // and every character as sent, beyond ASCII too (an image, a name).
        var server = await Panel.NewServerAsync();
        var heartbeat = Panel.NewHeartbeat(server.ServerId, seq: 1);
        var sent = heartbeat with
        {
            Containers = [heartbeat.Containers![0] with { Name = "name-here", Image = "image-here" }],
        };
        // Written as an agent may write them, unescaped (the serializer here would escape them as \uXXXX).
        var body = JsonSerializer.Serialize(sent, ContractsJsonContext.Default.Heartbeat)
            .Replace("name-here", "café_wörker-日本-🚀", StringComparison.Ordinal)
            .Replace("image-here", "registry.example/ünïcode:1.0", StringComparison.Ordinal);

        using var response = await Panel.SendAsync(HttpMethod.Post, "/api/agent/heartbeat", server.AgentToken, body);
        await PanelHost.ReadJsonAsync(response, 200);

        await using var connection = await fixture.OpenDatabaseAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = fixture is SqlitePanelFixture
            ? "SELECT latest_heartbeat, typeof(latest_heartbeat) FROM servers WHERE id = @id"
            : "SELECT latest_heartbeat, pg_typeof(latest_heartbeat)::text FROM servers WHERE id = @id";
        Db.Add(command, "id", server.ServerId);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Equal(body, Assert.IsType<string>(reader.GetValue(0)));
        Assert.Equal("text", reader.GetString(1));

        var latest = await Panel.Store.GetLatestHeartbeatAsync(server.ServerId, CancellationToken.None);
        Assert.Equal("café_wörker-日本-🚀", latest!.Containers![0].Name);
    }

    [Fact]
    public async Task A_body_the_panel_normalized_reads_back_normalized()
    {
        var server = await Panel.NewServerAsync();
        var heartbeat = Panel.NewHeartbeat(server.ServerId, seq: 1);
        var sent = heartbeat with { Containers = [heartbeat.Containers![0] with { Name = "/myapp_web_1" }] };

        await Panel.HeartbeatOkAsync(server.AgentToken, sent);

        var latest = await Panel.Store.GetLatestHeartbeatAsync(server.ServerId, CancellationToken.None);
        Assert.Equal(
            JsonSerializer.Serialize(heartbeat, ContractsJsonContext.Default.Heartbeat),
            JsonSerializer.Serialize(latest!, ContractsJsonContext.Default.Heartbeat));
    }
}

/// <summary><see cref="AgentEndpoints.LatestJson"/> on its own: what it stores for each kind of body.</summary>
public sealed class LatestJsonTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 12, 6, 3, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Bodies => new()
    {
        // Ours, the seed's (timestamp, names with and without '/', no containers, no timestamp).
        Ours(),
        SeedBodyTests<SqlitePanelFixture>.SeedBody("heartbeat-verbatim.json", "01JSERVER", ReceivedAt),
        SeedBodyTests<SqlitePanelFixture>.SeedBody("heartbeat-go-structs.json", "01JSERVER", ReceivedAt),
        SeedBodyTests<SqlitePanelFixture>.SeedBody("heartbeat-go-structs-nil-containers.json", "01JSERVER", ReceivedAt),
        SeedBodyTests<SqlitePanelFixture>.SeedBody("heartbeat-curl.json", "01JSERVER", ReceivedAt),
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void What_is_stored_reads_back_as_the_normalized_heartbeat_serialized(string text)
    {
        var body = Encoding.UTF8.GetBytes(text);
        var received = JsonSerializer.Deserialize(body, ContractsJsonContext.Default.Heartbeat)!;
        var normalized = SeedHeartbeat.Normalize(received, ReceivedAt)!;

        var stored = AgentEndpoints.LatestJson(body, received, normalized);

        var reserialized = JsonSerializer.Serialize(normalized, ContractsJsonContext.Default.Heartbeat);
        Assert.Equal(reserialized, JsonSerializer.Serialize(JsonSerializer.Deserialize(stored, ContractsJsonContext.Default.Heartbeat)!, ContractsJsonContext.Default.Heartbeat));
    }

    [Fact]
    public void The_body_is_kept_only_when_normalizing_changed_nothing()
    {
        string Stored(string text)
        {
            var body = Encoding.UTF8.GetBytes(text);
            var received = JsonSerializer.Deserialize(body, ContractsJsonContext.Default.Heartbeat)!;
            return Encoding.UTF8.GetString(AgentEndpoints.LatestJson(body, received, SeedHeartbeat.Normalize(received, ReceivedAt)!));
        }

        Assert.Equal(Ours(), Stored(Ours()));
        var verbatim = SeedBodyTests<SqlitePanelFixture>.SeedBody("heartbeat-verbatim.json", "01JSERVER", ReceivedAt);
        Assert.Equal(verbatim, Stored(verbatim));
        // Names lost their '/', or the time of receipt stood in for a missing timestamp: serialized.
        Assert.DoesNotContain("\"/", Stored(SeedBodyTests<SqlitePanelFixture>.SeedBody("heartbeat-go-structs.json", "01JSERVER", ReceivedAt)), StringComparison.Ordinal);
        Assert.Contains("\"timestamp\"", Stored(SeedBodyTests<SqlitePanelFixture>.SeedBody("heartbeat-curl.json", "01JSERVER", ReceivedAt)), StringComparison.Ordinal);
    }

    private static string Ours() => JsonSerializer.Serialize(new Heartbeat
    {
        ServerId = "01JSERVER",
        Timestamp = ReceivedAt.AddSeconds(-1),
        Metrics = new HostMetrics { CpuPercent = 12.5, RamUsedMb = 1024, RamTotalMb = 4096, LoadAverage = [0.5, 0.4, 0.3] },
        Containers = [new ContainerInfo { Id = "abc123def456", Name = "web", Image = "web:1", Status = "running", Health = "healthy", UptimeSeconds = 60, CpuPercent = 1.5, MemoryMb = 64 }],
        AgentVersion = "1.0.0",
        HeartbeatId = "01JHEARTBEAT",
        Seq = 7,
    }, ContractsJsonContext.Default.Heartbeat);
}
