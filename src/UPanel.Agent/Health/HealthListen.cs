using System.Net;
using System.Net.Sockets;
using UPanel.Agent.Configuration;

namespace UPanel.Agent.Health;

/// <summary>Turns HEALTH_LISTEN (already parsed by configuration) into socket addresses for the server and the probe.</summary>
internal static class HealthListen
{
    /// <summary>
    /// Where the server binds: an IP literal (<c>0.0.0.0</c>, <c>[::]</c>, <c>127.0.0.1</c>) as is, <c>localhost</c> as
    /// 127.0.0.1, any other name through DNS (IPv4 preferred). Throws <see cref="SocketException"/> for a name that
    /// does not resolve.
    /// </summary>
    public static IPEndPoint ToEndPoint(HealthListenAddress address)
    {
        var host = address.Host.StartsWith('[') && address.Host.EndsWith(']') ? address.Host[1..^1] : address.Host;
        if (IPAddress.TryParse(host, out var ip))
        {
            return new IPEndPoint(ip, address.Port);
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPEndPoint(IPAddress.Loopback, address.Port);
        }

        var addresses = Dns.GetHostAddresses(host);
        var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
                     ?? throw new SocketException((int)SocketError.HostNotFound);
        return new IPEndPoint(chosen, address.Port);
    }

    /// <summary>The URL a local probe asks (see <see cref="ProbeTarget"/>).</summary>
    public static Uri ProbeUri(IPEndPoint listen)
    {
        var target = ProbeTarget(listen);
        var host = target.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{target.Address}]" : target.Address.ToString();
        return new Uri($"http://{host}:{target.Port}/health");
    }

    /// <summary>What a probe of <paramref name="address"/> asks, for messages: its URL, or why there is none.</summary>
    public static string DescribeProbe(HealthListenAddress address)
    {
        try
        {
            return ProbeUri(ToEndPoint(address)).ToString();
        }
        catch (SocketException)
        {
            return $"{address} (the name does not resolve)";
        }
    }

    /// <summary>Where a local probe should connect to reach a server listening on <paramref name="listen"/>.</summary>
    public static IPEndPoint ProbeTarget(IPEndPoint listen)
    {
        // The server binds [::] dual-stack, so IPv4 loopback reaches it even where IPv6 is disabled.
        if (listen.Address.Equals(IPAddress.Any) || listen.Address.Equals(IPAddress.IPv6Any))
        {
            return new IPEndPoint(IPAddress.Loopback, listen.Port);
        }

        return listen;
    }
}
