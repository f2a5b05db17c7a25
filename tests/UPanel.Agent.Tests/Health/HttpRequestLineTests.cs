using System.Text;
using UPanel.Agent.Health;

namespace UPanel.Agent.Tests.Health;

public sealed class HttpRequestLineTests
{
    [Theory]
    [InlineData("GET /health HTTP/1.1\r\nHost: x\r\n\r\n", "GET", "/health")]
    [InlineData("GET /health HTTP/1.0\n\n", "GET", "/health")]
    [InlineData("POST /health?x=1 HTTP/1.1\r\n", "POST", "/health")]
    [InlineData("GET /health#frag HTTP/1.1\r\n", "GET", "/health")]
    [InlineData("GET http://127.0.0.1:8443/health HTTP/1.1\r\n", "GET", "/health")]
    [InlineData("GET http://127.0.0.1:8443 HTTP/1.1\r\n", "GET", "/")]
    public void Request_line_gives_method_and_path(string head, string method, string path)
    {
        Assert.True(HttpRequestLine.TryParse(Encoding.ASCII.GetBytes(head), out var line));

        Assert.Equal(new HttpRequestLine(method, path), line);
    }

    [Theory]
    [InlineData("")]
    [InlineData("GET /health HTTP/1.1")]
    [InlineData("GET /health\r\n")]
    [InlineData("GET  HTTP/1.1\r\n")]
    [InlineData("get /health HTTP/1.1\r\n")]
    [InlineData("GET health HTTP/1.1\r\n")]
    [InlineData("GET /health HTTP/2.0\r\n")]
    [InlineData("GET /a b HTTP/1.1\r\n")]
    [InlineData("VERYLONGMETHODNAMEXX /health HTTP/1.1\r\n")]
    public void Anything_else_is_not_a_request_line(string head)
    {
        Assert.False(HttpRequestLine.TryParse(Encoding.ASCII.GetBytes(head), out _));
    }
}
