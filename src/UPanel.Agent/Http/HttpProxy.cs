using System.Net;

namespace UPanel.Agent.Http;

/// <summary>
/// The proxy settings HttpClient used to take from the environment, kept for the panel connection:
/// <c>http_proxy</c>/<c>HTTP_PROXY</c> for http URLs, <c>https_proxy</c>/<c>HTTPS_PROXY</c> for https (through a
/// CONNECT tunnel), <c>all_proxy</c>/<c>ALL_PROXY</c> for either when the specific one is unset (lower case wins),
/// and <c>no_proxy</c>/<c>NO_PROXY</c>: a comma-separated list of hosts, each matching itself and its subdomains
/// (<c>example.com</c> and <c>.example.com</c> both match <c>a.example.com</c>), IP addresses or CIDR ranges, or
/// <c>*</c> for all. Loopback (localhost, 127.0.0.0/8, ::1) never goes through a proxy, as with curl. Only http://
/// proxies are supported; user:password in the proxy URL is sent as Basic Proxy-Authorization.
/// </summary>
internal sealed class HttpProxy
{
    private readonly HttpProxyRoute? _http;
    private readonly HttpProxyRoute? _https;
    private readonly string[] _noProxy;

    private HttpProxy(HttpProxyRoute? http, HttpProxyRoute? https, string[] noProxy)
    {
        _http = http;
        _https = https;
        _noProxy = noProxy;
    }

    /// <summary>Null when no proxy variable is set.</summary>
    public static HttpProxy? FromEnvironment(IReadOnlyDictionary<string, string> variables)
    {
        var all = Read(variables, "all_proxy");
        var http = Read(variables, "http_proxy") ?? all;
        var https = Read(variables, "https_proxy") ?? all;
        if (http is null && https is null)
        {
            return null;
        }

        var noProxy = (Read(variables, "no_proxy")?.Value ?? "")
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(NormalizeNoProxyEntry)
            .Where(entry => entry.Length > 0)
            .ToArray();
        return new HttpProxy(http is null ? null : HttpProxyRoute.Parse(http.Value.Name, http.Value.Value),
            https is null ? null : HttpProxyRoute.Parse(https.Value.Name, https.Value.Value), noProxy);
    }

    /// <summary>The proxy for <paramref name="target"/>, or null to connect directly.</summary>
    public HttpProxyRoute? RouteFor(Uri target)
    {
        var route = target.Scheme == Uri.UriSchemeHttps ? _https : _http;
        return route is null || IsBypassed(target.IdnHost) ? null : route;
    }

    public bool IsBypassed(string host)
    {
        host = host.TrimEnd('.').ToLowerInvariant();
        var address = IPAddress.TryParse(host, out var parsed) ? parsed : null;
        if (host == "localhost" || host.EndsWith(".localhost", StringComparison.Ordinal) || (address is not null && IPAddress.IsLoopback(address)))
        {
            return true;
        }

        foreach (var entry in _noProxy)
        {
            if (entry == "*" || entry == host || (address is null && host.EndsWith(entry, StringComparison.Ordinal) && host[^(entry.Length + 1)] == '.'))
            {
                return true;
            }

            if (address is not null && entry.Contains('/', StringComparison.Ordinal) && IPNetwork.TryParse(entry, out var network) && network.Contains(address))
            {
                return true;
            }

            if (address is not null && IPAddress.TryParse(entry, out var entryAddress) && entryAddress.Equals(address))
            {
                return true;
            }
        }

        return false;
    }

    private static (string Name, string Value)? Read(IReadOnlyDictionary<string, string> variables, string lowerName)
    {
        foreach (var name in new[] { lowerName, lowerName.ToUpperInvariant() })
        {
            if (variables.TryGetValue(name, out var value) && value.Trim().Length > 0)
            {
                return (name, value.Trim());
            }
        }

        return null;
    }

    /// <summary>"*.example.com", ".example.com" → "example.com"; "[::1]" → "::1"; "host:8080" → "host" (ports are not compared).</summary>
    private static string NormalizeNoProxyEntry(string entry)
    {
        entry = entry.ToLowerInvariant().TrimEnd('.');
        if (entry.StartsWith("*.", StringComparison.Ordinal))
        {
            entry = entry[2..];
        }

        entry = entry.TrimStart('.');
        if (entry.StartsWith('['))
        {
            var close = entry.IndexOf(']', StringComparison.Ordinal);
            return close < 0 ? entry : entry[1..close];
        }

        var colon = entry.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 && entry.IndexOf(':', colon + 1) < 0 ? entry[..colon] : entry;
    }
}
