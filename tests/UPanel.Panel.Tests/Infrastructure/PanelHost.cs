using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using UPanel.Contracts;
using UPanel.Panel.Hosting;
using UPanel.Panel.Storage;

namespace UPanel.Panel.Tests.Infrastructure;

/// <summary>
/// A real panel on 127.0.0.1 (ephemeral port) with a fake clock and captured logs. Also the way for end-to-end tests
/// with the real agent binary: <see cref="StartAsync"/>, <see cref="CreateInstallTokenAsync"/>, then point the agent
/// at <see cref="BaseAddress"/>. <see cref="StartOnRealClockAsync"/> gives one on the real clock, for the real agent's
/// alerts (offline after real seconds, the sweep's real timer).
/// </summary>
internal sealed class PanelHost : IAsyncDisposable
{
    private readonly FakeTimeProvider? _fakeTime;

    private PanelHost(WebApplication app, PanelOptions options, TimeProvider clock)
    {
        App = app;
        Options = options;
        Clock = clock;
        _fakeTime = clock as FakeTimeProvider;
        BaseAddress = new Uri(app.Urls.Single());
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        AdminKey = options.AdminKey ?? File.ReadAllText(options.AdminKeyPath).Trim();
    }

    public WebApplication App { get; }

    public PanelOptions Options { get; }

    /// <summary>The panel's fake clock, for tests to move; a panel on the real clock has none.</summary>
    public FakeTimeProvider Time => _fakeTime ?? throw new InvalidOperationException("this panel runs on the real clock");

    public TimeProvider Clock { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    /// <summary>UPANEL_ADMIN_KEY when set, else read from the 0600 file the panel wrote at its first start.</summary>
    public string AdminKey { get; }

    public FakeLogCollector Logs => App.Services.GetFakeLogCollector();

    public int UnhandledErrors => App.Services.GetRequiredService<UnhandledErrors>().Count;

    public IPanelStore Store => App.Services.GetRequiredService<IPanelStore>();

    internal SqlPanelStore SqlStore => (SqlPanelStore)Store;

    /// <summary>PostgreSQL: the credentials listener once it listens (the panel then keeps the tokens it read).</summary>
    internal async Task<CredentialsListener> ListeningAsync()
    {
        var listener = App.Services.GetRequiredService<CredentialsListener>();
        await Poll.UntilAsync(() => listener.Listening, "the panel's credentials listener to listen", TimeSpan.FromSeconds(30));
        return listener;
    }

    /// <summary>
    /// PostgreSQL: runs <paramref name="change"/> (made at another panel or in the database), then waits until this panel
    /// was told of a change (a notification after it started), so that it no longer uses what it kept before.
    /// </summary>
    internal async Task<T> ToldOfAsync<T>(Func<Task<T>> change)
    {
        var listener = await ListeningAsync();
        var heard = listener.Notifications;
        var result = await change();
        await Poll.UntilAsync(() => listener.Notifications > heard, "the panel to be told of the change", TimeSpan.FromSeconds(30));
        return result;
    }

    public static Task<PanelHost> StartAsync(PanelOptions options, FakeTimeProvider? time = null, string url = "http://127.0.0.1:0") =>
        StartAsync(
            options,
            // Whole seconds: the store keeps milliseconds, and boundaries ("offline after exactly 180 s") stay exact.
            (TimeProvider?)time ?? new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds())),
            url);

    public static Task<PanelHost> StartOnRealClockAsync(PanelOptions options) => StartAsync(options, TimeProvider.System, "http://127.0.0.1:0");

    private static async Task<PanelHost> StartAsync(PanelOptions options, TimeProvider time, string url)
    {
        var app = await PanelApp.CreateAsync(
            options,
            ["--urls", url],
            time,
            builder =>
            {
                builder.Logging.ClearProviders();
                builder.Logging.SetMinimumLevel(LogLevel.Debug);
                builder.Logging.AddFakeLogging();
            });
        var firstPrune = app.Services.GetRequiredService<RetentionService>().NextRun;
        await app.StartAsync();
        // The retention service's first run writes (clears ended overlaps): let it finish before tests snapshot.
        await firstPrune.WaitAsync(TimeSpan.FromSeconds(30));
        return new PanelHost(app, options, time);
    }

    public async Task<string> CreateInstallTokenAsync(TimeSpan? lifetime = null)
    {
        var body = lifetime is { } l ? $$"""{"expires_in_seconds":{{(long)l.TotalSeconds}}}""" : "{}";
        using var response = await SendAsync(HttpMethod.Post, "/api/admin/install-tokens", AdminKey, body);
        var json = await ReadJsonAsync(response, 200);
        return json.GetProperty("install_token").GetString()!;
    }

    public async Task<RegisterResponse> RegisterAsync(string installToken, string hostname = "test-host", string? machineId = null)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/agent/register", installToken, RegisterBody(hostname, machineId));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, $"register answered {(int)response.StatusCode}: {text}");
        return JsonSerializer.Deserialize(text, ContractsJsonContext.Default.RegisterResponse)!;
    }

    /// <summary>A registered server with a fresh install token: (server id, agent token).</summary>
    public async Task<RegisterResponse> NewServerAsync(string hostname = "test-host")
    {
        return await RegisterAsync(await CreateInstallTokenAsync(), hostname, machineId: Guid.NewGuid().ToString("N"));
    }

    public static string RegisterBody(string hostname = "test-host", string? machineId = null) =>
        JsonSerializer.Serialize(
            new RegisterRequest
            {
                Hostname = hostname,
                OsVersion = "Debian GNU/Linux 12 (bookworm)",
                CpuCores = 4,
                RamMb = 8192,
                DiskGb = 100,
                AgentVersion = "1.0.0",
                MachineId = machineId,
            },
            ContractsJsonContext.Default.RegisterRequest);

    /// <summary>What the heartbeat endpoint hands the store for <see cref="NewHeartbeat"/> with these ids, received now: for the writer's own tests.</summary>
    public HeartbeatIngest NewIngest(string serverId, string heartbeatId, DateTimeOffset sampleAt, long seq)
    {
        var heartbeat = NewHeartbeat(serverId, seq, sampleAt) with { HeartbeatId = heartbeatId };
        var json = JsonSerializer.Serialize(heartbeat, ContractsJsonContext.Default.Heartbeat);
        return new HeartbeatIngest
        {
            ServerId = serverId,
            HeartbeatId = heartbeatId,
            Seq = seq,
            SampleAt = sampleAt,
            ReceivedAt = Clock.GetUtcNow(),
            AgentVersion = heartbeat.AgentVersion,
            Metrics = heartbeat.Metrics,
            ContainerCount = heartbeat.Containers!.Count,
            ContainerCounts = ContainerCounts.Of(heartbeat.Containers),
            Containers = heartbeat.Containers,
            ContainersDigest = ContainerHistory.Digest(heartbeat.Containers!),
            HeartbeatJson = Encoding.UTF8.GetBytes(json),
            Bytes = json.Length,
            Quota = new HeartbeatQuota(),
        };
    }

    public Heartbeat NewHeartbeat(string serverId, long? seq = null, DateTimeOffset? timestamp = null, string agentVersion = "1.0.0") => new()
    {
        ServerId = serverId,
        Timestamp = timestamp ?? Clock.GetUtcNow(),
        Metrics = new HostMetrics
        {
            CpuPercent = 12.5,
            RamUsedMb = 1024,
            RamTotalMb = 4096,
            DiskUsedGb = 45,
            DiskTotalGb = 100,
            LoadAverage = [0.5, 0.4, 0.3],
            NetworkInBytes = 123456789,
            NetworkOutBytes = 987654321,
        },
        Containers =
        [
            new ContainerInfo { Id = "abc123def456", Name = "myapp_web_1", Image = "myapp:latest", Status = "running", Health = "healthy", UptimeSeconds = 86400, CpuPercent = 5.2, MemoryMb = 256 },
        ],
        AgentVersion = agentVersion,
        HeartbeatId = Ulid.NewUlid().ToString(),
        Seq = seq,
    };

    public Task<HttpResponseMessage> PostHeartbeatAsync(string token, Heartbeat heartbeat) =>
        SendAsync(HttpMethod.Post, "/api/agent/heartbeat", token, JsonSerializer.Serialize(heartbeat, ContractsJsonContext.Default.Heartbeat));

    public async Task<HeartbeatResponse> HeartbeatOkAsync(string token, Heartbeat heartbeat)
    {
        using var response = await PostHeartbeatAsync(token, heartbeat);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.OK, $"heartbeat answered {(int)response.StatusCode}: {text}");
        return JsonSerializer.Deserialize(text, ContractsJsonContext.Default.HeartbeatResponse)!;
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? bearer, string? body = null, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(method, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return Client.SendAsync(request);
    }

    public async Task<JsonElement> AdminGetAsync(string path)
    {
        using var response = await SendAsync(HttpMethod.Get, path, AdminKey);
        return await ReadJsonAsync(response, 200);
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, int expectedStatus)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expectedStatus, $"expected {expectedStatus}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
