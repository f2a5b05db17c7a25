using UPanel.Agent.Collection;

namespace UPanel.Agent.Tests.Collection.Host;

/// <summary>The buffered read the collectors use on every heartbeat (HostFiles.ReadText, straight from libc).</summary>
public sealed class HostFilesReadTextTests
{
    [Fact]
    public void File_larger_than_the_buffer_is_read_whole_and_the_buffer_grows()
    {
        using var tree = FixtureTree.Copy(null);
        var text = string.Concat(Enumerable.Repeat("intr 1 2 3 4 5 6 7 8 9\n", 2000));
        tree.Write("proc/stat", text);
        var buffer = new char[16];

        var read = tree.Files.ReadText(HostRootKind.Proc, "stat", ref buffer);

        Assert.Equal(text, read.ToString());
        Assert.True(buffer.Length >= text.Length);
    }

    [Fact]
    public void Real_proc_file_of_size_zero_is_read_to_its_end()
    {
        var files = new HostFiles("/proc", "/sys", "/");
        var buffer = new char[8];

        var read = files.ReadText(HostRootKind.Proc, "self/status", ref buffer);

        Assert.StartsWith("Name:", read.ToString(), StringComparison.Ordinal);
        Assert.Contains("VmRSS:", read.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Same_buffer_is_reused_and_a_shorter_file_is_not_mixed_with_the_longer_one()
    {
        using var tree = FixtureTree.Copy(null);
        tree.Write("proc/loadavg", "0.35 0.58 0.32 1/104 8383\n");
        tree.Write("proc/short", "1\n");
        var buffer = new char[4096];

        _ = tree.Files.ReadText(HostRootKind.Proc, "loadavg", ref buffer);
        var first = buffer;
        var read = tree.Files.ReadText(HostRootKind.Proc, "short", ref buffer);

        Assert.Equal("1\n", read.ToString());
        Assert.Same(first, buffer);
    }

    [Fact]
    public void Missing_file_throws_FileNotFound_with_the_path()
    {
        using var tree = FixtureTree.Copy(null);
        var buffer = new char[64];

        var error = Assert.Throws<FileNotFoundException>(() => tree.Files.ReadText(HostRootKind.Proc, "meminfo", ref buffer).ToString());

        Assert.Contains(Path.Join(tree.Root, "proc", "meminfo"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Directory_instead_of_a_file_is_an_io_error()
    {
        using var tree = FixtureTree.Copy(null);
        Directory.CreateDirectory(Path.Join(tree.Root, "proc", "stat"));
        var buffer = new char[64];

        Assert.ThrowsAny<IOException>(() => tree.Files.ReadText(HostRootKind.Proc, "stat", ref buffer).ToString());
    }

    [Fact]
    public void Empty_file_gives_empty_text()
    {
        using var tree = FixtureTree.Copy(null);
        tree.Write("proc/loadavg", "");
        var buffer = new char[64];

        Assert.Equal(0, tree.Files.ReadText(HostRootKind.Proc, "loadavg", ref buffer).Length);
    }
}
