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
}
