using UPanel.Contracts;
using UPanel.Panel.Storage;

namespace UPanel.Panel.Tests.Storage;

/// <summary>
/// <see cref="ContainerHistory.Digest"/> is stored with every container state and compared with the next heartbeat's,
/// so its value may never change: it is checked against the definition it was first written as (FNV-1a over each
/// container's id, name, image, status and health, in a stable ordinal sort by id) and against fixed values.
/// </summary>
public sealed class ContainerDigestTests
{
    [Fact]
    public void The_digest_keeps_its_values()
    {
        Assert.Equal(unchecked((long)14695981039346656037UL), ContainerHistory.Digest([]));
        ContainerInfo[] two =
        [
            new() { Id = "b", Name = "web", Image = "nginx", Status = "running", Health = "healthy" },
            new() { Id = "a", Name = "db", Image = "postgres", Status = "exited" },
        ];
        Assert.Equal(Reference(two), ContainerHistory.Digest(two));
        Assert.Equal(ContainerHistory.Digest(two), ContainerHistory.Digest([two[1], two[0]]));
        Assert.Equal(8983870890109052400L, ContainerHistory.Digest(two));
    }

    [Fact]
    public void The_digest_is_the_reference_definitions_on_random_lists_duplicate_ids_and_large_ones_included()
    {
        var random = new Random(13);
        string[] ids = ["a", "b", "B", "ab", "a\u00e9", "\u00e9", "", "0123456789ab", "z", "\uffff"];
        string[] words = ["", "web", "/web", "nginx:1.27", "running", "exited", "healthy", "none", "\u65e5\u672c", "x\u0000y"];
        for (var round = 0; round < 500; round++)
        {
            var count = round switch { 0 => 0, 1 => 129, 2 => 1000, _ => random.Next(1, 40) };
            var containers = new List<ContainerInfo>();
            for (var i = 0; i < count; i++)
            {
                containers.Add(new ContainerInfo
                {
                    // Few ids, so duplicates (whose order then matters) are common.
                    Id = ids[random.Next(ids.Length)],
                    Name = words[random.Next(words.Length)],
                    Image = words[random.Next(words.Length)],
                    Status = words[random.Next(words.Length)],
                    Health = random.Next(4) == 0 ? null : words[random.Next(words.Length)],
                });
            }

            Assert.Equal(Reference(containers), ContainerHistory.Digest(containers));
        }
    }

    /// <summary>The digest as first written (stable OrderBy, an array of parts per container).</summary>
    private static long Reference(IReadOnlyList<ContainerInfo> containers)
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

                hash = (hash ^ 0xFFFF) * 1099511628211UL;
            }
        }

        return unchecked((long)hash);
    }
}
