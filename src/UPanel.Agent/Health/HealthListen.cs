using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace UPanel.Agent.Health;

/// <summary>Parses HEALTH_LISTEN: <c>host:port</c> (IPv4, <c>[IPv6]</c>, <c>localhost</c>, <c>*</c>), or <c>off</c>.</summary>
internal static class HealthListen
{
    public const string Off = "off";

    /// <summary>
    /// True when the value is usable: <paramref name="endpoint"/> is where to listen, or null for <c>off</c>.
    /// False with an error that names the setting and the fix. No DNS: a name other than localhost is refused.
    /// </summary>
    public static bool TryParse(string? value, out IPEndPoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        error = null;
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            error = "HEALTH_LISTEN is empty: set it to host:port (e.g. 0.0.0.0:8443) or off.";
            return false;
        }

        if (string.Equals(text, Off, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var colon = text.LastIndexOf(':');
        if (colon < 0 || colon == text.Length - 1)
        {
            error = $"HEALTH_LISTEN '{text}' has no port: use host:port (e.g. 0.0.0.0:8443) or off.";
            return false;
        }

        var host = text[..colon];
        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort)
        {
            error = $"HEALTH_LISTEN '{text}' has an invalid port: use a number 0–65535 (e.g. 0.0.0.0:8443) or off.";
            return false;
        }

        IPAddress? address;
        if (host.Length == 0 || host == "*")
        {
            address = IPAddress.Any;
        }
        else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
        }
        else if (host.StartsWith('[') && host.EndsWith(']') && IPAddress.TryParse(host.AsSpan(1, host.Length - 2), out address))
        {
            // [::1]:8443
        }
        else if (!host.Contains(':', StringComparison.Ordinal) && IPAddress.TryParse(host, out address))
        {
            // 127.0.0.1:8443
        }
        else
        {
            error = $"HEALTH_LISTEN '{text}' has an invalid host: use an IP address (0.0.0.0, 127.0.0.1, [::]), localhost, or off.";
            return false;
        }

        endpoint = new IPEndPoint(address, port);
        return true;
    }

    /// <summary>Where a local probe should connect to reach a server listening on <paramref name="listen"/>.</summary>
    public static IPEndPoint ProbeTarget(IPEndPoint listen)
    {
        if (listen.Address.Equals(IPAddress.Any))
        {
            return new IPEndPoint(IPAddress.Loopback, listen.Port);
        }

        if (listen.Address.Equals(IPAddress.IPv6Any))
        {
            // The server binds [::] dual-stack, so IPv4 loopback reaches it even where IPv6 is disabled.
            return new IPEndPoint(IPAddress.Loopback, listen.Port);
        }

        return listen;
    }
}
