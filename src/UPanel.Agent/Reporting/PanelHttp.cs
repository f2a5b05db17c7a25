using UPanel.Agent.Configuration;
using UPanel.Agent.Http;

namespace UPanel.Agent.Reporting;

/// <summary>The process's one client for talking to the panel (heartbeats, registration, check).</summary>
internal static class PanelHttp
{
    /// <summary>
    /// Connections are reused between heartbeats (saving a TLS handshake a minute); every few minutes the panel's name
    /// is looked up again and a connection no longer at one of its addresses is replaced, so a DNS change is picked up
    /// without a handshake every lifetime (docs/decisions/https-heartbeat-cost.md). Timeouts are per request (<see cref="PanelClient"/>), not on the client.
    /// HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY in <paramref name="environment"/> are honoured (<see cref="HttpProxy"/>),
    /// as HttpClient did before the agent had its own client.
    /// </summary>
    public static Http1Client CreateClient(IReadOnlyDictionary<string, string> environment) => new(new Http1ClientOptions
    {
        Proxy = HttpProxy.FromEnvironment(environment),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        MaxResponseBodyBytes = PanelClient.MaxResponseBytes,
        UrlSetting = Settings.PanelUrl.Name,
    });
}
