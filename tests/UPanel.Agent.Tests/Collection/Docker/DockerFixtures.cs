using System.Runtime.CompilerServices;
using UPanel.Agent.Collection;

namespace UPanel.Agent.Tests.Collection.Docker;

/// <summary>The cgroup fixture trees and Engine API answers beside this file (read from the source tree, see Fixtures/README.md).</summary>
internal static class DockerFixtures
{
    public static string Root([CallerFilePath] string thisFile = "") => Path.Combine(Path.GetDirectoryName(thisFile)!, "Fixtures");

    public static HostFiles HostFilesFor(string tree) =>
        new("/proc", Path.Combine(Root(), tree, "sys"), "/");

    public static string Read(string tree, string relativePath) => File.ReadAllText(Path.Combine(Root(), tree, relativePath));

    public static string EngineApi(string name) => Path.Combine(Root(), "engine-api", name);

    /// <summary>A writable copy of a tree's <c>sys</c> in a new temporary directory (its path), for tests that change files.</summary>
    public static string CopyOfSys(string tree)
    {
        var source = Path.Combine(Root(), tree, "sys");
        var copy = Directory.CreateTempSubdirectory("upanel-sys-").FullName;
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Join(copy, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return copy;
    }
}
