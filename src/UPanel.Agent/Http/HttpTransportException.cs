namespace UPanel.Agent.Http;

/// <summary>
/// A request that got no usable answer: connect, TLS, proxy, I/O or protocol failure, or a body over the limit. The
/// message names the operation and the URL (never user info, a query or a header value); the cause is the inner exception
/// (a <see cref="System.Net.Sockets.SocketException"/> for connect errors).
/// An <see cref="IOException"/>, so callers that treat I/O failures alike need no extra catch.
/// </summary>
internal sealed class HttpTransportException(string message, Exception? innerException = null)
    : IOException(message, innerException)
{
    /// <summary>
    /// The server was reached and the message names what is wrong and the fix (a TLS or http/https mistake): callers
    /// add no advice about reaching it.
    /// </summary>
    public bool NamesFix { get; init; }
}
