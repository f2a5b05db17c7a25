namespace UPanel.Agent.Http;

/// <summary>One HTTP/1.1 request. Header values are checked before anything is sent (no CR, LF or other controls).</summary>
internal sealed record HttpRequest(string Method, Uri Uri)
{
    /// <summary>The whole Authorization header value, e.g. <c>Bearer TOKEN</c>; never shown in messages.</summary>
    public string? Authorization { get; init; }

    /// <summary>Sent with Content-Length; null sends no body (and no Content-Length).</summary>
    public byte[]? Body { get; init; }

    public string? ContentType { get; init; }

    /// <summary>
    /// Sent as the Accept header when set. The panel requests ask for JSON: a Laravel panel then answers a refused
    /// token with 401 and a JSON message instead of a 302 to its login page.
    /// </summary>
    public string? Accept { get; init; }

    public static HttpRequest Get(Uri uri) => new("GET", uri);

    public static HttpRequest Post(Uri uri, byte[] body, string contentType, string? authorization) =>
        new("POST", uri) { Body = body, ContentType = contentType, Authorization = authorization };

    /// <summary>A POST of JSON to the panel, asking for JSON back.</summary>
    public static HttpRequest PostJson(Uri uri, byte[] body, string authorization) =>
        Post(uri, body, "application/json; charset=utf-8", authorization) with { Accept = "application/json" };
}
