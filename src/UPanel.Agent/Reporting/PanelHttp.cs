using System.Net.Http.Headers;

namespace UPanel.Agent.Reporting;

/// <summary>The process's one HttpClient for talking to the panel (heartbeats and registration).</summary>
internal static class PanelHttp
{
    /// <summary>
    /// Connections are reused between heartbeats (saving a TLS handshake a minute) but recycled every few minutes so
    /// a DNS change of the panel is picked up. Timeouts are per request (<see cref="PanelClient"/>), not on the client.
    /// Redirects are not followed: a POST turned into a GET, or a bearer token sent to another host, helps nobody.
    /// AutomaticDecompression stays unset (None is the default): merely setting it roots the gzip/brotli handler,
    /// about 1.1 MB of binary.
    /// </summary>
    public static HttpClient CreateClient()
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            AllowAutoRedirect = false,
            UseCookies = false,
            MaxConnectionsPerServer = 2,
        };
        var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("upanel-agent", AgentInfo.Version));
        return client;
    }
}
