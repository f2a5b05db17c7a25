using System.Diagnostics;

namespace UPanel.Agent.Tests;

/// <summary>A tmpfs of a given size mounted under a test's directory (needs root: <see cref="RequiredServices.Root"/>).</summary>
internal sealed class TinyTmpfs : IDisposable
{
    private TinyTmpfs(string path) => Path = path;

    public string Path { get; }

    public static TinyTmpfs Mount(string parent, string size)
    {
        var path = System.IO.Path.Join(parent, "tmpfs");
        Directory.CreateDirectory(path);
        Run("mount", "-t", "tmpfs", "-o", $"size={size},mode=0700", "tmpfs", path);
        return new TinyTmpfs(path);
    }

    /// <summary>Writes <paramref name="path"/> until the file system is full (ENOSPC).</summary>
    public static void FillUp(string path)
    {
        using var file = File.OpenWrite(path);
        var block = new byte[4096];
        try
        {
            while (true)
            {
                file.Write(block);
                file.Flush(flushToDisk: true);
            }
        }
        catch (IOException)
        {
            // ENOSPC: full.
        }
    }

    public void RemountReadOnly() => Run("mount", "-o", "remount,ro", Path);

    public void Dispose() => Run("umount", "-l", Path);

    private static void Run(string command, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', arguments)}: {error}");
    }
}
