using System.IO.Compression;
using System.Text.Json;
using UPanel.Contracts;
using UPanel.Panel.Api;

namespace UPanel.Panel.Storage;

/// <summary>
/// How a heartbeat's containers are kept in history: their JSON, zlib-compressed (docs/decisions/compressed-container-history.md).
/// Twenty containers' JSON is most of a stored heartbeat and compresses to about a fifth.
/// </summary>
internal static class ContainerHistory
{
    public static byte[] Compress(IReadOnlyList<ContainerInfo> containers)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(containers, PanelJsonContext.Default.IReadOnlyListContainerInfo);
        using var buffer = new MemoryStream(json.Length / 3);
        using (var zlib = new ZLibStream(buffer, CompressionLevel.Fastest))
        {
            zlib.Write(json);
        }

        return buffer.ToArray();
    }
}
