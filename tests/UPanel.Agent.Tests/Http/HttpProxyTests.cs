using System.Text;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using UPanel.Agent.Http;
using UPanel.Agent.Reporting;
using UPanel.Agent.Tests.Reporting;
using UPanel.Agent.Wire;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Http;

/// <summary>HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY for the panel connection, against a real proxy on 127.0.0.1.</summary>
public sealed class HttpProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Heartbeat_over_http_goes_through_HTTP_PROXY_in_absolute_form_with_its_credentials()
    {
        await using var proxy = new TestProxyServer();
        await using var panel = new TestPanelServer();
        using var http = PanelHttp.CreateClient(new Dictionary<string, string> { ["HTTP_PROXY"] = $"http://agent:s3cr%40t@127.0.0.1:{proxy.Port}" });
        var client = new PanelClient(http, new Uri($"http://panel.test:{panel.Port}/"), new FakeTimeProvider(), new FakeLogger());

        var result = await client.SendHeartbeatAsync(HeartbeatJson.ToUtf8Bytes(Heartbeat()), "token-0123456789", Ct);

        Assert.Equal(PanelOutcome.Success, result.Outcome);
        Assert.Equal([$"POST http://panel.test:{panel.Port}/api/agent/heartbeat HTTP/1.1"], proxy.RequestLines);
        Assert.Equal(["Basic " + Convert.ToBase64String("agent:s3cr@t"u8.ToArray())], proxy.Authorizations);
        var request = Assert.Single(panel.Requests);
        Assert.Equal("/api/agent/heartbeat", request.Path);
        Assert.Equal("Bearer token-0123456789", request.Authorization);
    }

    [Fact]
    public async Task Https_goes_through_a_CONNECT_tunnel_with_tls_to_the_panel_itself()
    {
        using var certificate = TestCertificates.Create("panel.test");
        await using var proxy = new TestProxyServer();
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            while (await c.ReadRequestAsync(ct) is not null)
            {
                await c.RespondAsync("tunnelled", ct);
            }
        }, TestCertificates.ServerTls(certificate));
        using var client = new Http1Client(new Http1ClientOptions
        {
            Proxy = HttpProxy.FromEnvironment(new Dictionary<string, string> { ["https_proxy"] = $"127.0.0.1:{proxy.Port}" }),
            CertificateChainPolicy = TestCertificates.Trusting(certificate),
        });

        for (var i = 0; i < 2; i++)
        {
            using var response = await client.SendAsync(HttpRequest.Get(server.Url("/api/x", "https", "panel.test")), Ct);
            Assert.Equal("tunnelled", Encoding.ASCII.GetString(await response.ReadBodyAsync(Ct)));
        }

        // One tunnel, kept alive for both requests; the proxy never sees the requests themselves.
        Assert.Equal([$"CONNECT panel.test:{server.Port} HTTP/1.1"], proxy.RequestLines);
        Assert.Equal(2, server.Requests.Count);
        Assert.All(server.Requests, r => Assert.Equal($"panel.test:{server.Port}", r.Header("Host")));
    }

    [Fact]
    public async Task Proxy_credentials_go_only_in_the_CONNECT_and_the_bearer_token_only_inside_the_tunnel()
    {
        using var certificate = TestCertificates.Create("panel.test");
        await using var proxy = new TestProxyServer();
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            while (await c.ReadRequestAsync(ct) is not null)
            {
                await c.RespondAsync("ok", ct);
            }
        }, TestCertificates.ServerTls(certificate));
        using var client = new Http1Client(new Http1ClientOptions
        {
            Proxy = HttpProxy.FromEnvironment(new Dictionary<string, string> { ["HTTPS_PROXY"] = $"http://agent:pr0xy-pass@127.0.0.1:{proxy.Port}" }),
            CertificateChainPolicy = TestCertificates.Trusting(certificate),
        });

        using var response = await client.SendAsync(
            HttpRequest.Post(server.Url("/api/agent/heartbeat", "https", "panel.test"), "{}"u8.ToArray(), "application/json", "Bearer bearer-secret"), Ct);

        Assert.Equal("ok", Encoding.ASCII.GetString(await response.ReadBodyAsync(Ct)));
        Assert.Equal([$"CONNECT panel.test:{server.Port} HTTP/1.1"], proxy.RequestLines);
        Assert.Equal(["Basic " + Convert.ToBase64String("agent:pr0xy-pass"u8.ToArray())], proxy.Authorizations);
        var request = Assert.Single(server.Requests);
        Assert.Equal("Bearer bearer-secret", request.Header("Authorization"));
        Assert.Equal("", request.Header("Proxy-Authorization"));
    }

    [Fact]
    public async Task Tunnel_refused_by_the_proxy_names_the_variable_and_status_without_the_password()
    {
        await using var proxy = new TestProxyServer { RefuseConnectWith = 407 };
        using var client = new Http1Client(new Http1ClientOptions
        {
            Proxy = HttpProxy.FromEnvironment(new Dictionary<string, string> { ["HTTPS_PROXY"] = $"http://agent:s3cret@127.0.0.1:{proxy.Port}" }),
        });

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(HttpRequest.Get(new Uri("https://panel.test/api")), Ct));

        Assert.Equal(
            $"GET https://panel.test/api: the proxy from HTTPS_PROXY (127.0.0.1:{proxy.Port}) refused a tunnel to panel.test:443 (HTTP 407): " +
            $"check the user and password in HTTPS_PROXY (127.0.0.1:{proxy.Port})",
            error.Message);
    }

    [Fact]
    public async Task Loopback_and_NO_PROXY_hosts_are_reached_directly()
    {
        await using var proxy = new TestProxyServer();
        await using var server = new ScriptedServer(async (c, ct) =>
        {
            await c.ReadRequestAsync(ct);
            await c.RespondAsync("direct", ct);
        });
        using var client = new Http1Client(new Http1ClientOptions
        {
            Proxy = HttpProxy.FromEnvironment(new Dictionary<string, string> { ["ALL_PROXY"] = $"http://127.0.0.1:{proxy.Port}" }),
        });

        using var response = await client.SendAsync(HttpRequest.Get(server.Url("/")), Ct);

        Assert.Equal("direct", Encoding.ASCII.GetString(await response.ReadBodyAsync(Ct)));
        Assert.Equal("GET / HTTP/1.1", Assert.Single(server.Requests).RequestLine);
        Assert.Empty(proxy.RequestLines);
    }

    [Theory]
    [InlineData("socks5://127.0.0.1:1080", "HTTPS_PROXY=socks5://127.0.0.1:1080 is not supported")]
    [InlineData("https://u:pw@proxy.example:3128", "HTTPS_PROXY=(a value with credentials) is not supported")]
    public async Task Unsupported_proxy_fails_each_request_with_the_fix(string value, string expected)
    {
        using var client = new Http1Client(new Http1ClientOptions
        {
            Proxy = HttpProxy.FromEnvironment(new Dictionary<string, string> { ["HTTPS_PROXY"] = value }),
        });

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(HttpRequest.Get(new Uri("https://panel.example/x")), Ct));

        Assert.Equal($"GET https://panel.example/x: {expected}: set it to an http:// proxy URL, e.g. http://proxy.example:3128", error.Message);
    }

    [Theory]
    [InlineData("panel.example.com", "example.com", true)]
    [InlineData("example.com", "example.com", true)]
    [InlineData("notexample.com", "example.com", false)]
    [InlineData("panel.example.com", ".example.com", true)]
    [InlineData("example.com", ".example.com", true)]
    [InlineData("panel.example.com", "*.example.com", true)]
    [InlineData("panel.example.com", "other.org, example.com:443", true)]
    [InlineData("PANEL.Example.COM", "example.com", true)]
    [InlineData("panel.example.com", "panel.example.org", false)]
    [InlineData("anything.example", "*", true)]
    [InlineData("10.1.2.3", "10.0.0.0/8", true)]
    [InlineData("11.1.2.3", "10.0.0.0/8", false)]
    [InlineData("192.168.1.5", "192.168.1.5", true)]
    [InlineData("::1", "", true)]
    [InlineData("127.0.0.2", "", true)]
    [InlineData("localhost", "", true)]
    [InlineData("app.localhost", "", true)]
    [InlineData("panel.example.com", "", false)]
    public void No_proxy_matches_hosts_domains_suffixes_and_ranges_and_always_loopback(string host, string noProxy, bool bypassed)
    {
        var proxy = HttpProxy.FromEnvironment(new Dictionary<string, string> { ["HTTP_PROXY"] = "http://proxy:3128", ["NO_PROXY"] = noProxy })!;

        Assert.Equal(bypassed, proxy.IsBypassed(host));
    }

    [Fact]
    public void Lower_case_variables_win_and_ALL_PROXY_covers_what_is_unset()
    {
        var proxy = HttpProxy.FromEnvironment(new Dictionary<string, string>
        {
            ["http_proxy"] = "http://lower:1",
            ["HTTP_PROXY"] = "http://upper:2",
            ["ALL_PROXY"] = "http://all:3",
        })!;

        Assert.Equal("http_proxy (lower:1)", proxy.RouteFor(new Uri("http://panel.example/"))?.Display);
        Assert.Equal("ALL_PROXY (all:3)", proxy.RouteFor(new Uri("https://panel.example/"))?.Display);
        Assert.Null(HttpProxy.FromEnvironment(new Dictionary<string, string> { ["NO_PROXY"] = "x", ["HTTP_PROXY"] = " " }));
    }

    private static Heartbeat Heartbeat() => TestHeartbeats.Minimal(DateTimeOffset.UnixEpoch);
}
