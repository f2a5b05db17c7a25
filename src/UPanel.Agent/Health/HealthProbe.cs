using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using UPanel.Agent.Configuration;
using UPanel.Agent.Http;
using UPanel.Agent.Wire;
using UPanel.Contracts;

namespace UPanel.Agent.Health;

/// <summary>
/// What <c>upanel-agent health</c> does (Docker HEALTHCHECK in an image with no shell): GET the local /health and
/// say whether it answered 200 with status ok.
/// </summary>
internal static class HealthProbe
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Probes the server configured by HEALTH_LISTEN (<see cref="AgentOptions.HealthListenAddress"/>; 0.0.0.0 and
    /// [::] are probed on 127.0.0.1). False when it is <c>off</c> (null) or its name does not resolve.
    /// </summary>
    public static async Task<bool> ProbeAsync(HealthListenAddress? address, TimeSpan? timeout = null, TimeProvider? time = null, CancellationToken cancellationToken = default) =>
        await ReadAsync(address, timeout, time, cancellationToken).ConfigureAwait(false) is { Status: "ok" };

    /// <summary>True when <c>GET http://target/health</c> answers 200 with <c>"status":"ok"</c> within the timeout (3 s).</summary>
    public static async Task<bool> ProbeAsync(IPEndPoint listen, TimeSpan? timeout = null, TimeProvider? time = null, CancellationToken cancellationToken = default) =>
        await ReadAsync(listen, timeout, time, cancellationToken).ConfigureAwait(false) is { Status: "ok" };

    /// <summary>The answer of the server HEALTH_LISTEN names; null when it is <c>off</c>, does not resolve or gives no readable 200.</summary>
    public static Task<HealthResponse?> ReadAsync(HealthListenAddress? address, TimeSpan? timeout = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        if (address is null)
        {
            return Task.FromResult<HealthResponse?>(null);
        }

        IPEndPoint endpoint;
        try
        {
            endpoint = HealthListen.ToEndPoint(address);
        }
        catch (SocketException)
        {
            return Task.FromResult<HealthResponse?>(null);
        }

        return ReadAsync(endpoint, timeout, time, cancellationToken);
    }

    /// <summary><c>GET http://target/health</c>'s answer within the timeout (3 s); null when none, not 200 or unreadable.</summary>
    public static async Task<HealthResponse?> ReadAsync(IPEndPoint listen, TimeSpan? timeout = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        var uri = HealthListen.ProbeUri(listen);

        // Never through a proxy: HTTP_PROXY in the container must not send the probe elsewhere.
        time ??= TimeProvider.System;
        using var client = new Http1Client(new Http1ClientOptions { MaxResponseBodyBytes = 64 * 1024, Time = time });
        using var bound = new CancellationTokenSource(timeout ?? DefaultTimeout, time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, bound.Token);
        try
        {
            using var response = await client.SendAsync(HttpRequest.Get(uri), deadline.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return null;
            }

            var body = await response.ReadBodyAsync(deadline.Token).ConfigureAwait(false);
            return HealthResponseJson.Read(body);
        }
        catch (Exception ex) when (ex is HttpTransportException or OperationCanceledException or JsonException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            return null;
        }
    }
}
