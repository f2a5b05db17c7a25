using System.Text;

namespace UPanel.Agent.Tests.Wire;

/// <summary>Bodies no reader may accept (as the source-generated context rejects them): each must give a JsonException.</summary>
internal static class MalformedJson
{
    public static TheoryData<string> NotAnObject =>
    [
        "",
        "   ",
        "{",
        "{\"status\":",
        "{\"status\":\"ok\"",
        "{\"status\":\"ok\",}",
        "{'status':'ok'}",
        "{\"status\":\"ok\" /* comment */}",
        "{\"status\":\"ok\"} trailing",
        "{\"status\":\"ok\"}{}",
        "{\"status\":ok}",
        "{\"uptime_seconds\":NaN}",
        "{\"status\":\"unterminated}",
        "{\"status\":\"bad escape \\x\"}",
        "[]",
        "[{\"status\":\"ok\"}]",
        "\"ok\"",
        "42",
        "null",
        "true",
        "{\"deep\":" + new string('[', 100) + new string(']', 100) + "}",
    ];

    /// <summary>Not UTF-8 at all: a Latin-1 'é' outside and inside a string.</summary>
    public static TheoryData<byte[]> NotUtf8 =>
    [
        new byte[] { 0xFF, 0xFE, 0x7B, 0x7D },
        Encoding.Latin1.GetBytes("{\"status\":\"caf\u00e9\",\"error\":\"caf\u00e9\",\"version\":\"caf\u00e9\",\"server_id\":\"caf\u00e9\"}"),
    ];
}
