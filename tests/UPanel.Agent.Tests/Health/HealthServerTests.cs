using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using UPanel.Agent.Health;
using UPanel.Agent.Reporting;

namespace UPanel.Agent.Tests.Health;

public sealed class HealthServerTests : IAsyncLifetime
{
    private const string Token = "health-test-token-0123456789abcdef";
    private static readonly DateTimeOffset Start = new(2026, 1, 15, 10, 30, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly FakeLogger _logger = new();
    private readonly AgentStatus _status;
    private HealthServer _server = null!;

    public HealthServerTests()
    {
        _status = new AgentStatus(_time);
    }

    private int Port => _server.LocalEndPoint!.Port;

    public ValueTask InitializeAsync() => StartServer();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Health_answers_200_with_status_uptime_version_and_state()
    {
        _time.Advance(TimeSpan.FromSeconds(3600));
        _status.RecordSuccess(Start.AddSeconds(3590));
        _status.SetQueue(2, 5, null);
        _status.SetClockSkew(-75);
        _status.SetDockerAvailable(true);

        var (status, headers, body) = await Request("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");

        Assert.Equal(200, status);
        Assert.Contains("Content-Type: application/json", headers, StringComparison.Ordinal);
        Assert.Contains("Connection: close", headers, StringComparison.Ordinal);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal("ok", json.GetProperty("status").GetString());
        Assert.Equal(3600, json.GetProperty("uptime_seconds").GetInt64());
        Assert.Equal(AgentInfo.Version, json.GetProperty("version").GetString());
        Assert.Equal("2026-01-15T11:29:50Z", json.GetProperty("last_heartbeat_at").GetString());
        Assert.Equal(2, json.GetProperty("queue_length").GetInt32());
        Assert.Equal(5, json.GetProperty("queue_dropped").GetInt64());
        Assert.False(json.TryGetProperty("queue_problem", out _));
        Assert.Equal(-75, json.GetProperty("clock_skew_seconds").GetInt32());
        Assert.Equal("ok", json.GetProperty("panel").GetString());
        Assert.Equal("ok", json.GetProperty("docker").GetString());
    }

    [Fact]
    public async Task Health_before_the_first_heartbeat_says_the_panel_is_unknown()
    {
        var (status, _, body) = await Request("GET /health HTTP/1.0\r\n\r\n");

        Assert.Equal(200, status);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal("unknown", json.GetProperty("panel").GetString());
        Assert.False(json.TryGetProperty("last_heartbeat_at", out _));
        Assert.False(json.TryGetProperty("docker", out _));
    }

    [Fact]
    public async Task Health_shows_a_refused_token_and_unavailable_docker()
    {
        _status.SetPanel(PanelState.Unauthorized);
        _status.SetDockerAvailable(false);

        var (_, _, body) = await Request("GET /health HTTP/1.1\r\n\r\n");

        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal("unauthorized", json.GetProperty("panel").GetString());
        Assert.Equal("unavailable", json.GetProperty("docker").GetString());
    }

    [Fact]
    public async Task Health_works_through_httpclient_with_a_query_string()
    {
        using var http = new HttpClient();

        var response = await http.GetAsync($"http://127.0.0.1:{Port}/health?verbose=1", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/healthz")]
    [InlineData("/health/")]
    [InlineData("/api/agent/heartbeat")]
    public async Task Other_paths_are_404(string path)
    {
        var (status, _, _) = await Request($"GET {path} HTTP/1.1\r\n\r\n");

        Assert.Equal(404, status);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("HEAD")]
    public async Task Other_methods_on_health_are_405(string method)
    {
        var (status, headers, _) = await Request($"{method} /health HTTP/1.1\r\nContent-Length: 0\r\n\r\n");

        Assert.Equal(405, status);
        Assert.Contains("Allow: GET", headers, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hello\r\n\r\n")]
    [InlineData("GET /health\r\n\r\n")]
    [InlineData("\u0016\u0003\u0001\u0002\u0000\r\n\r\n")]
    public async Task Garbage_is_400(string request)
    {
        var (status, _, _) = await Request(request);

        Assert.Equal(400, status);
    }

    [Fact]
    public async Task Oversized_request_head_is_431()
    {
        var (status, _, _) = await Request("GET /health HTTP/1.1\r\nX-Pad: " + new string('a', HealthServer.MaxHeadBytes) + "\r\n\r\n");

        Assert.Equal(431, status);
    }

    [Fact]
    public async Task Client_that_sends_nothing_does_not_block_another_and_is_closed_at_the_deadline()
    {
        await RestartServer(readDeadline: TimeSpan.FromSeconds(10));
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await silent.ConnectAsync(IPAddress.Loopback, Port, TestContext.Current.CancellationToken);

        var (status, _, _) = await Request("GET /health HTTP/1.1\r\n\r\n");

        Assert.Equal(200, status);
        // Answered while the silent client still holds its connection: the second did not wait for the first's deadline.
        Assert.False(silent.Poll(0, SelectMode.SelectRead), "the silent client was closed before the second was answered");

        // The silent client is dropped without an answer once its deadline passes.
        var buffer = new byte[64];
        var read = await ReceiveOrReset(silent, buffer).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(0, read);
    }

    [Fact]
    public async Task Client_that_dribbles_its_request_is_cut_off_at_the_deadline()
    {
        await RestartServer(readDeadline: TimeSpan.FromMilliseconds(300));
        using var slow = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await slow.ConnectAsync(IPAddress.Loopback, Port, TestContext.Current.CancellationToken);
        await slow.SendAsync("GET /health HTTP/1.1\r\n"u8.ToArray(), SocketFlags.None, TestContext.Current.CancellationToken);

        var buffer = new byte[64];
        var read = await ReceiveOrReset(slow, buffer).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(0, read);
    }

    [Fact]
    public async Task Connections_beyond_the_limit_are_closed_at_once_and_the_server_recovers()
    {
        // A deadline far beyond any wait here: "at once" is shown by the other two still being open, not by a clock.
        await RestartServer(maxConnections: 2, readDeadline: TimeSpan.FromMinutes(5));
        using var first = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await first.ConnectAsync(IPAddress.Loopback, Port, TestContext.Current.CancellationToken);
        await second.ConnectAsync(IPAddress.Loopback, Port, TestContext.Current.CancellationToken);

        // Let the server accept both before the third arrives.
        await WaitUntil(() => ActiveConnectionsReached(2));

        using var third = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await third.ConnectAsync(IPAddress.Loopback, Port, TestContext.Current.CancellationToken);
        var buffer = new byte[64];
        var read = await ReceiveOrReset(third, buffer).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.Equal(0, read);
        Assert.False(first.Poll(0, SelectMode.SelectRead), "the first connection was closed: the third was not refused for the limit");
        Assert.False(second.Poll(0, SelectMode.SelectRead), "the second connection was closed: the third was not refused for the limit");
        Assert.Equal(2, _server.ActiveConnections);

        // A slot given back is taken again: one of the two leaves, and a normal request is served beside the other.
        first.Close();
        await WaitUntil(() => _server.ActiveConnections < 2);
        var (status, _, _) = await Request("GET /health HTTP/1.1\r\n\r\n");
        Assert.Equal(200, status);
        Assert.False(second.Poll(0, SelectMode.SelectRead), "the second connection was closed before the request was served");
    }

    [Fact]
    public async Task The_local_probe_gets_through_while_remote_clients_hold_every_slot()
    {
        // Remote = any address but loopback: this host's own non-loopback address stands in for another machine.
        var remoteAddress = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        Assert.True(remoteAddress is not null, "this test needs a non-loopback IPv4 address on the machine");
        await _server.DisposeAsync();
        _server = new HealthServer(new IPEndPoint(IPAddress.Any, 0), _status, _logger);
        _server.Start();
        var idle = new List<Socket>();
        try
        {
            for (var i = 0; i < HealthServer.DefaultMaxConnections + 2; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                idle.Add(socket);
                await socket.ConnectAsync(remoteAddress, Port, TestContext.Current.CancellationToken);
            }

            await WaitUntil(() => ActiveConnectionsReached(HealthServer.DefaultMaxConnections));

            Assert.True(await HealthProbe.ProbeAsync(new IPEndPoint(IPAddress.Loopback, Port), cancellationToken: TestContext.Current.CancellationToken));
            Assert.True(await HealthProbe.ProbeAsync(new IPEndPoint(IPAddress.Loopback, Port), cancellationToken: TestContext.Current.CancellationToken));
        }
        finally
        {
            idle.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Health_body_never_carries_the_token()
    {
        // The status is what the reporter feeds with a token in hand; make it as busy as possible.
        _status.RecordSuccess(Start);
        _status.SetPanel(PanelState.Unauthorized);
        _status.SetQueue(10, 3, "cannot write /var/lib/upanel-agent/queue (IOException: No space left on device)");
        _status.SetDockerAvailable(true);

        var (_, headers, body) = await Request("GET /health HTTP/1.1\r\nAuthorization: Bearer " + Token + "\r\n\r\n");

        Assert.DoesNotContain(Token, headers + body, StringComparison.Ordinal);
        Assert.DoesNotContain("token", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Binding_a_port_in_use_fails_at_start()
    {
        await using var second = new HealthServer(new IPEndPoint(IPAddress.Loopback, Port), _status, _logger);

        Assert.Throws<SocketException>(second.Start);
    }

    private bool ActiveConnectionsReached(int count) => _server.ActiveConnections >= count;

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (!condition())
        {
            await Task.Yield();
            await Task.Delay(10, timeout.Token);
        }
    }

    private static async Task<int> ReceiveOrReset(Socket socket, byte[] buffer)
    {
        try
        {
            return await socket.ReceiveAsync(buffer, SocketFlags.None);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return 0;
        }
    }

    private async ValueTask StartServer(int maxConnections = HealthServer.DefaultMaxConnections, TimeSpan? readDeadline = null)
    {
        _server = new HealthServer(new IPEndPoint(IPAddress.Loopback, 0), _status, _logger, maxConnections, readDeadline);
        _server.Start();
        await Task.CompletedTask;
    }

    private async Task RestartServer(int maxConnections = HealthServer.DefaultMaxConnections, TimeSpan? readDeadline = null)
    {
        await _server.DisposeAsync();
        await StartServer(maxConnections, readDeadline);
    }

    /// <summary>Sends raw bytes and reads the whole answer (the server closes after one response).</summary>
    private async Task<(int Status, string Headers, string Body)> Request(string raw)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        await socket.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
        await socket.SendAsync(Encoding.Latin1.GetBytes(raw), SocketFlags.None, timeout.Token);
        var response = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
        {
            response.Write(buffer, 0, read);
        }

        var text = Encoding.UTF8.GetString(response.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, $"no HTTP response: '{text}'");
        var headers = text[..split];
        var status = int.Parse(headers.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, headers, text[(split + 4)..]);
    }
}
