using System.Globalization;
using System.Net;

namespace UPanel.Agent.Configuration;

/// <summary>A parsed <c>HEALTH_LISTEN</c>: <c>host:port</c> (IPv6 in brackets), or <c>off</c>.</summary>
internal sealed record HealthListenAddress(string Host, int Port)
{
    public const string Off = "off";

    /// <summary>True when <paramref name="text"/> is valid; <paramref name="address"/> is null for <c>off</c>.</summary>
    public static bool TryParse(string text, out HealthListenAddress? address)
    {
        address = null;
        if (string.Equals(text, Off, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            return false;
        }

        var host = text[..colon];
        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) ||
            port is < 1 or > 65535)
        {
            return false;
        }

        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            if (!IPAddress.TryParse(host[1..^1], out _))
            {
                return false;
            }
        }
        else if (host.Contains(':') || (!IPAddress.TryParse(host, out _) && Uri.CheckHostName(host) != UriHostNameType.Dns))
        {
            return false;
        }

        address = new HealthListenAddress(host, port);
        return true;
    }

    /// <summary>The setting's text, <c>host:port</c>.</summary>
    public override string ToString() => $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";
}
