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
        await using var server = ScriptedServer.AnsweringOkOverTls(certificate);
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
        await using var server = ScriptedServer.AnsweringOkOverTls(certificate);
        using var client = new Http1Client(); // the system's trust store, which does not know this certificate

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(
            HttpRequest.Post(server.Url("/api/agent/heartbeat", "https"), "{}"u8.ToArray(), "application/json", "Bearer secret-token"), Ct));

        Assert.Equal(
            $"POST https://127.0.0.1:{server.Port}/api/agent/heartbeat: TLS: the certificate of 127.0.0.1 is not trusted (UntrustedRoot): "
            + "the server must send its whole chain up to a CA this host trusts (missing intermediate certificates are not downloaded), "
            + "or point SSL_CERT_FILE at a PEM bundle that includes the CA (for a private CA or a self-signed certificate; "
            + "the agent has no CA setting of its own, and install.sh --ca-file sets SSL_CERT_FILE)",
            error.Message);
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
        await using var server = ScriptedServer.AnsweringOkOverTls(certificate);
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
        await using var server = ScriptedServer.AnsweringOkOverTls(certificate);
        using var client = new Http1Client(new Http1ClientOptions { CertificateChainPolicy = TestCertificates.Trusting(certificate) });

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(HttpRequest.Get(server.Url("/health", "https")), Ct));

        Assert.Equal(
            $"GET https://127.0.0.1:{server.Port}/health: TLS: the certificate of 127.0.0.1 is issued for panel.example, not 127.0.0.1: " +
            "use one of those names in the URL, or give the server a certificate for 127.0.0.1",
            error.Message);
        await WaitForEndOfConnectionAsync(server);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Certificate_for_another_name_names_the_setting_the_url_came_from()
    {
        using var certificate = TestCertificates.Create("panel.example", "10.0.0.5");
        await using var server = ScriptedServer.AnsweringOkOverTls(certificate);
        using var client = new Http1Client(new Http1ClientOptions { CertificateChainPolicy = TestCertificates.Trusting(certificate), UrlSetting = "PANEL_URL" });

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(HttpRequest.Get(server.Url("/health", "https")), Ct));

        Assert.Equal(
            $"GET https://127.0.0.1:{server.Port}/health: TLS: the certificate of 127.0.0.1 is issued for panel.example, 10.0.0.5, not 127.0.0.1: " +
            "use one of those names in PANEL_URL, or give the server a certificate for 127.0.0.1",
            error.Message);
    }

    [Fact]
    public async Task Https_url_to_a_plain_http_server_says_it_answered_in_plain_http_and_how_to_fix_it()
    {
        // A plain-HTTP server reads the ClientHello as a request, answers 400 and closes, as Kestrel and nginx do.
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await ReadTlsRecordAsync(c.Stream, ct);
            await c.WriteAsync("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ct);
            c.Close();
        });
        using var client = UPanel.Agent.Reporting.PanelHttp.CreateClient(new Dictionary<string, string>());

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(
            HttpRequest.Post(server.Url("/api/agent/heartbeat", "https"), "{}"u8.ToArray(), "application/json", "Bearer secret-token"), Ct));

        Assert.Equal(
            $"POST https://127.0.0.1:{server.Port}/api/agent/heartbeat: TLS: the server at 127.0.0.1:{server.Port} answered in plain HTTP, not TLS: " +
            "use http:// in PANEL_URL, or put a TLS terminator (a reverse proxy with a certificate) in front of it",
            error.Message);
        Assert.True(error.NamesFix);
    }

    [Fact]
    public async Task Https_url_to_a_server_that_closes_on_the_client_hello_says_it_may_not_speak_tls()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await ReadTlsRecordAsync(c.Stream, ct);
            c.Close();
        });
        using var client = UPanel.Agent.Reporting.PanelHttp.CreateClient(new Dictionary<string, string>());

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(HttpRequest.Get(server.Url("/", "https")), Ct));

        Assert.Equal(
            $"GET https://127.0.0.1:{server.Port}/: TLS: the server at 127.0.0.1:{server.Port} closed the connection without answering the TLS handshake: " +
            "it probably does not speak TLS on that port; if it serves plain HTTP, use http:// in PANEL_URL",
            error.Message);
    }

    [Fact]
    public async Task Https_url_to_another_protocol_shows_what_it_answered()
    {
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.WriteAsync("SSH-2.0-OpenSSH_9.2p1\r\n", ct);
            await ReadTlsRecordAsync(c.Stream, ct);
            c.Close();
        });
        using var client = new Http1Client();

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(HttpRequest.Get(server.Url("/", "https")), Ct));

        Assert.Equal(
            $"GET https://127.0.0.1:{server.Port}/: TLS: the server at 127.0.0.1:{server.Port} does not speak TLS (it answered \"SSH-2.0-\"): " +
            "check the port in the URL",
            error.Message);
    }

    [Fact]
    public async Task Https_url_to_a_tls_server_that_refuses_the_handshake_names_no_fix_of_its_own()
    {
        // A TLS server that ends the handshake with a fatal alert (TLS 1.2, handshake_failure): no URL mistake, so the
        // caller's advice about reaching the panel stays.
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await ReadTlsRecordAsync(c.Stream, ct);
            await c.Stream.WriteAsync(new byte[] { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28 }, ct);
            c.Close();
        });
        using var client = UPanel.Agent.Reporting.PanelHttp.CreateClient(new Dictionary<string, string>());

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(HttpRequest.Get(server.Url("/", "https")), Ct));

        Assert.StartsWith($"GET https://127.0.0.1:{server.Port}/: TLS: the TLS handshake with 127.0.0.1:{server.Port} failed (", error.Message, StringComparison.Ordinal);
        Assert.False(error.NamesFix);
    }

    [Fact]
    public async Task Http_url_to_a_tls_server_that_closes_says_to_try_https()
    {
        // A real TLS server (SslStream, as Kestrel's https; OpenSSL's servers do the same) drops a plain request unanswered.
        using var certificate = TestCertificates.Create("127.0.0.1");
        await using var server = ScriptedServer.AnsweringOkOverTls(certificate);
        using var client = UPanel.Agent.Reporting.PanelHttp.CreateClient(new Dictionary<string, string>());

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(
            HttpRequest.Post(server.Url("/api/agent/heartbeat"), "{}"u8.ToArray(), "application/json", "Bearer secret-token"), Ct));

        // A close with the request unread may be a reset: then its reason is named too.
        Assert.StartsWith(
            $"POST http://127.0.0.1:{server.Port}/api/agent/heartbeat: the server at 127.0.0.1:{server.Port} closed the connection without answering",
            error.Message, StringComparison.Ordinal);
        Assert.EndsWith(": if that port serves https (a TLS-only server closes on a plain HTTP request), use https:// in PANEL_URL", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token", error.Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Http_url_to_a_tls_server_that_answers_with_an_alert_says_it_speaks_tls()
    {
        // What some TLS servers send for a plain request: a fatal alert record (TLS 1.2, protocol_version).
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.Stream.WriteAsync(new byte[] { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46 }, ct);
            c.Close();
        });
        using var client = UPanel.Agent.Reporting.PanelHttp.CreateClient(new Dictionary<string, string>());

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(HttpRequest.Get(server.Url("/health")), Ct));

        Assert.Equal(
            $"GET http://127.0.0.1:{server.Port}/health: the server at 127.0.0.1:{server.Port} answered in TLS, not plain HTTP: use https:// in PANEL_URL",
            error.Message);
        Assert.True(error.NamesFix);
    }

    /// <summary>Reads one TLS record (the ClientHello) whole, so closing after it is an orderly close, not a reset.</summary>
    private static async Task ReadTlsRecordAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[5];
        await stream.ReadExactlyAsync(header, cancellationToken);
        await stream.ReadExactlyAsync(new byte[(header[3] << 8) | header[4]], cancellationToken);
    }

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
