using UPanel.Agent.Collection;

namespace UPanel.Agent.Tests.Collection.Host;

/// <summary>
/// A private, writable copy of a fixture tree under Fixtures/ (proc/, sys/, root/), read through the real
/// <see cref="HostFiles"/>. Tests change or delete files in it to produce odd and missing input.
/// </summary>
internal sealed class FixtureTree : IDisposable
{
    private FixtureTree(string root)
    {
        Root = root;
        Files = new HostFiles(Path.Join(root, "proc"), Path.Join(root, "sys"), Path.Join(root, "root"));
    }

    public string Root { get; }

    public HostFiles Files { get; }

    public static string SourceOf(string name) => Path.Join(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>A copy of Fixtures/<paramref name="name"/>; null for an empty tree.</summary>
    public static FixtureTree Copy(string? name)
    {
        var root = Directory.CreateTempSubdirectory("upanel-host-").FullName;
        foreach (var kind in (string[])["proc", "sys", "root"])
        {
            Directory.CreateDirectory(Path.Join(root, kind));
        }

        if (name is not null)
        {
            var source = SourceOf(name);
            foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                var target = Path.Join(root, Path.GetRelativePath(source, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }

        return new FixtureTree(root);
    }

    public static string Read(string name, string relativePath) => File.ReadAllText(Path.Join(SourceOf(name), relativePath));

    public void Write(string relativePath, string text)
    {
        var path = Path.Join(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public void Delete(string relativePath)
    {
        var path = Path.Join(Root, relativePath);
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else
        {
            File.Delete(path);
        }
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
