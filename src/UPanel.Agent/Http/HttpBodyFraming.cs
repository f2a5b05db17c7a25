namespace UPanel.Agent.Http;

/// <summary>How a response body ends (RFC 9112 section 6.3).</summary>
internal enum HttpBodyFraming
{
    /// <summary>No body (204, 304, Content-Length: 0).</summary>
    None,

    ContentLength,

    Chunked,

    /// <summary>Neither length nor chunked: the body runs until the server closes the connection.</summary>
    UntilClose,
}
