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
    /// <summary>
    /// The containers' state as a number (FNV-1a, 64 bits, over the containers in id order, a tie in the order listed):
    /// equal states, equal digests. Stored with each state, so its value never changes: taken over positions sorted in
    /// place, not a sorted copy and an array of each container's parts (docs/decisions/ingest-throughput.md, ninth pass).
    /// </summary>
    public static long Digest(IReadOnlyList<ContainerInfo> containers)
    {
        var count = containers.Count;
        var rented = count > 128 ? System.Buffers.ArrayPool<int>.Shared.Rent(count) : null;
        var order = rented is null ? stackalloc int[count] : rented.AsSpan(0, count);
        for (var i = 0; i < count; i++)
        {
            order[i] = i;
        }

        // Ordinal by id, then by position: the order of a stable sort by id.
        order.Sort((a, b) => string.CompareOrdinal(containers[a].Id, containers[b].Id) is var byId && byId != 0 ? byId : a.CompareTo(b));
        var hash = 14695981039346656037UL;
        foreach (var index in order)
        {
            var container = containers[index];
            hash = Add(hash, container.Id);
            hash = Add(hash, container.Name);
            hash = Add(hash, container.Image);
            hash = Add(hash, container.Status);
            hash = Add(hash, container.Health ?? "");
        }

        if (rented is not null)
        {
            System.Buffers.ArrayPool<int>.Shared.Return(rented);
        }

        return unchecked((long)hash);

        static ulong Add(ulong hash, string part)
        {
            foreach (var c in part)
            {
                hash = (hash ^ c) * 1099511628211UL;
            }

            return (hash ^ 0xFFFF) * 1099511628211UL; // a separator no character of a name is
        }
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
