using System.IO.Compression;
using System.Text.Json;
using UPanel.Contracts;
using UPanel.Panel.Api;

namespace UPanel.Panel.Storage;

/// <summary>
/// How a heartbeat's containers are kept in history: their JSON, zlib-compressed (docs/decisions/compressed-container-history.md),
/// in <c>container_states</c> only when the containers' state (which there are, their names, images, status and health)
/// differs from the one before: their CPU, memory and uptime change every heartbeat, and nothing charts them.
/// </summary>
internal static class ContainerHistory
{
    /// <summary>The containers' state as a number (FNV-1a, 64 bits, over the containers in id order): equal states, equal digests.</summary>
    public static long Digest(IReadOnlyList<ContainerInfo> containers)
    {
        var hash = 14695981039346656037UL;
        foreach (var container in containers.OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            foreach (var part in new[] { container.Id, container.Name, container.Image, container.Status, container.Health ?? "" })
            {
                foreach (var c in part)
                {
                    hash = (hash ^ c) * 1099511628211UL;
                }

                hash = (hash ^ 0xFFFF) * 1099511628211UL; // a separator no character of a name is
            }
        }

        return unchecked((long)hash);
    }

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
