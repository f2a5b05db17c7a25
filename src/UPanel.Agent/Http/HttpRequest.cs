namespace UPanel.Agent.Http;

/// <summary>One HTTP/1.1 request. Header values are checked before anything is sent (no CR, LF or other controls).</summary>
internal sealed record HttpRequest(string Method, Uri Uri)
{
    /// <summary>The whole Authorization header value, e.g. <c>Bearer TOKEN</c>; never shown in messages.</summary>
    public string? Authorization { get; init; }

    /// <summary>Sent with Content-Length; null sends no body (and no Content-Length).</summary>
    public byte[]? Body { get; init; }

    public string? ContentType { get; init; }

    public static HttpRequest Get(Uri uri) => new("GET", uri);

    public static HttpRequest Post(Uri uri, byte[] body, string contentType, string? authorization) =>
        new("POST", uri) { Body = body, ContentType = contentType, Authorization = authorization };
}
