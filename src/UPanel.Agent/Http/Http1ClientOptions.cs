using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace UPanel.Agent.Http;

/// <summary>How an <see cref="Http1Client"/> connects and how long it keeps connections.</summary>
internal sealed record Http1ClientOptions
{
    /// <summary>Every request goes to this unix socket (the Docker engine); the URL's host only fills the Host header.</summary>
    public string? UnixSocketPath { get; init; }

    /// <summary>The proxy settings to honour (<see cref="HttpProxy.FromEnvironment"/>); null connects directly.</summary>
    public HttpProxy? Proxy { get; init; }

    /// <summary>TCP connect, proxy tunnel and TLS handshake together.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A connection older than this is reused only while its host still resolves to the address it reached (looked up
    /// again then, within <see cref="ConnectTimeout"/>; an IP address in the URL always does), so a DNS change is picked
    /// up without a new TLS handshake every lifetime. Through a proxy it is not reused. Null: no limit.
    /// </summary>
    public TimeSpan? PooledConnectionLifetime { get; init; }

    /// <summary>Name resolution for <see cref="PooledConnectionLifetime"/>'s check (a test gives its own).</summary>
    public Func<string, CancellationToken, Task<IPAddress[]>> ResolveHost { get; init; } = Dns.GetHostAddressesAsync;

    /// <summary>A connection idle for longer is closed rather than reused (servers drop idle ones without telling).</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Idle connections kept for reuse; more can be open at once while requests run.</summary>
    public int MaxIdleConnections { get; init; } = 2;

    /// <summary>The limit for <see cref="HttpResponse.ReadBodyAsync"/>.</summary>
    public int MaxResponseBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Replaces the system's trust store for https (tests trust their own self-signed certificate with it); null, the
    /// default, validates against the system store, as every TLS client on the host does (SSL_CERT_FILE, SSL_CERT_DIR,
    /// read by <see cref="SystemTrustStore.Shared"/>).
    /// </summary>
    public X509ChainPolicy? CertificateChainPolicy { get; init; }

    /// <summary>The trusted certificates when <see cref="CertificateChainPolicy"/> is null; null: <see cref="SystemTrustStore.Shared"/> (a test gives its own).</summary>
    public SystemTrustStore? TrustStore { get; init; }

    /// <summary>The setting the URLs come from (PANEL_URL), named in the fix of a TLS or http/https mistake; null: "the URL".</summary>
    public string? UrlSetting { get; init; }

    /// <summary>The clock of <see cref="ConnectTimeout"/> and the pool's lifetimes.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
