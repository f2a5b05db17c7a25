using System.Net;
using System.Text;
using UPanel.Agent.Http;

namespace UPanel.Agent.Tests.Http;

/// <summary>https through SslStream against a local TLS server with a self-signed certificate.</summary>
public sealed class Http1ClientTlsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Trusted_certificate_for_the_host_carries_requests_over_one_kept_alive_session()
    {
        using var certificate = TestCertificates.Create("127.0.0.1");
        await using var server = TlsServer(certificate);
        using var client = new Http1Client(new Http1ClientOptions { CertificateChainPolicy = TestCertificates.Trusting(certificate) });

        for (var i = 0; i < 2; i++)
        {
            using var response = await client.SendAsync(
                HttpRequest.Post(server.Url("/api/agent/heartbeat", "https"), "{}"u8.ToArray(), "application/json", "Bearer secret-token"), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("{\"status\":\"ok\"}", Encoding.ASCII.GetString(await response.ReadBodyAsync(Ct)));
        }

        Assert.Equal(1, server.ConnectionCount);
        Assert.All(server.Requests, r => Assert.Equal("Bearer secret-token", r.Header("Authorization")));
    }

    [Fact]
    public async Task Untrusted_certificate_fails_with_the_host_and_the_fix_and_sends_nothing()
    {
        using var certificate = TestCertificates.Create("127.0.0.1");
        await using var server = TlsServer(certificate);
        using var client = new Http1Client(); // the system's trust store, which does not know this certificate

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(
            HttpRequest.Post(server.Url("/api/agent/heartbeat", "https"), "{}"u8.ToArray(), "application/json", "Bearer secret-token"), Ct));

        Assert.StartsWith($"POST https://127.0.0.1:{server.Port}/api/agent/heartbeat: TLS: the certificate of 127.0.0.1 is not trusted (", error.Message, StringComparison.Ordinal);
        Assert.Contains("SSL_CERT_FILE", error.Message, StringComparison.Ordinal);
        Assert.Contains("whole chain", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token", error.Message, StringComparison.Ordinal);
        await WaitForEndOfConnectionAsync(server);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task The_panel_client_the_agent_runs_with_trusts_only_the_system_store()
    {
        // CertificateChainPolicy is a test hook: the production client must leave it null (a policy here would be
        // the one way to weaken validation).
        using var certificate = TestCertificates.Create("127.0.0.1");
        await using var server = TlsServer(certificate);
        using var client = UPanel.Agent.Reporting.PanelHttp.CreateClient(new Dictionary<string, string>());

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(
            HttpRequest.Post(server.Url("/api/agent/heartbeat", "https"), "{}"u8.ToArray(), "application/json", "Bearer secret-token"), Ct));

        Assert.Contains("TLS: the certificate of 127.0.0.1 is not trusted", error.Message, StringComparison.Ordinal);
        await WaitForEndOfConnectionAsync(server);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Certificate_for_another_name_fails_naming_the_host_and_sends_nothing()
    {
        using var certificate = TestCertificates.Create("panel.example");
        await using var server = TlsServer(certificate);
        using var client = new Http1Client(new Http1ClientOptions { CertificateChainPolicy = TestCertificates.Trusting(certificate) });

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(HttpRequest.Get(server.Url("/health", "https")), Ct));

        Assert.Equal(
            $"GET https://127.0.0.1:{server.Port}/health: TLS: the certificate of 127.0.0.1 is not issued for 127.0.0.1: " +
            "use the name the certificate is issued for in the URL, or give the server a certificate for this name",
            error.Message);
        await WaitForEndOfConnectionAsync(server);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Plain_http_server_on_an_https_url_is_a_tls_error_not_a_hang()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.WriteAsync("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ct);
            c.Close();
        });
        using var client = new Http1Client();

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(HttpRequest.Get(server.Url("/", "https")), Ct));

        Assert.StartsWith($"GET https://127.0.0.1:{server.Port}/: ", error.Message, StringComparison.Ordinal);
    }

    private static ScriptedServer TlsServer(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) => new(async (c, ct) =>
    {
        while (await c.ReadRequestAsync(ct) is not null)
        {
            await c.RespondAsync("{\"status\":\"ok\"}", ct);
        }
    }, TestCertificates.ServerTls(certificate));

    /// <summary>
    /// The server's side ends just after the client gave up (in its handshake, or, as TLS 1.3 lets the server finish
    /// first, at its first read); only then is "no request arrived" a fact.
    /// </summary>
    private static async Task WaitForEndOfConnectionAsync(ScriptedServer server)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (server.FinishedConnections == 0)
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
