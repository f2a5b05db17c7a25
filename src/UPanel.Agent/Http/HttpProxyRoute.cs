using System.Text;

namespace UPanel.Agent.Http;

/// <summary>One proxy: where to connect, what to send, and how to name it without its credentials.</summary>
internal sealed class HttpProxyRoute
{
    private HttpProxyRoute(string host, int port, string? authorization, string display, string? error)
    {
        Host = host;
        Port = port;
        Authorization = authorization;
        Display = display;
        Error = error;
    }

    public string Host { get; }

    public int Port { get; }

    /// <summary>The Proxy-Authorization header value, or null.</summary>
    public string? Authorization { get; }

    /// <summary>"HTTPS_PROXY (proxy.example:3128)".</summary>
    public string Display { get; }

    /// <summary>Why the variable cannot be used (requests that need it fail with this), or null.</summary>
    public string? Error { get; }

    public static HttpProxyRoute Parse(string variable, string value)
    {
        var text = value.Contains("://", StringComparison.Ordinal) ? value : "http://" + value;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.IdnHost.Length == 0)
        {
            var shown = value.Contains('@', StringComparison.Ordinal) ? "(a value with credentials)" : value;
            return new HttpProxyRoute("", 0, null, variable, $"{variable}={shown} is not supported: set it to an http:// proxy URL, e.g. http://proxy.example:3128");
        }

        string? authorization = null;
        if (uri.UserInfo.Length > 0)
        {
            var credentials = Uri.UnescapeDataString(uri.UserInfo);
            authorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials));
        }

        return new HttpProxyRoute(uri.IdnHost, uri.Port, authorization, $"{variable} ({uri.Authority})", null);
    }
}
