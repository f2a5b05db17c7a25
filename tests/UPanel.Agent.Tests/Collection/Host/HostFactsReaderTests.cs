using UPanel.Agent.Collection.Host;

namespace UPanel.Agent.Tests.Collection.Host;

public sealed class HostFactsReaderTests
{
    [Fact]
    public void Debian12_tree_gives_the_hosts_facts()
    {
        using var tree = FixtureTree.Copy("host-debian12");

        var facts = new HostFactsReader(tree.Files).Read();

        Assert.Equal("vm", facts.Hostname);
        Assert.Equal("Debian GNU/Linux 12 (bookworm)", facts.OsVersion);
        Assert.Equal(2, facts.CpuCores);
        Assert.Equal(24683656 / 1024, facts.RamMb);
        Assert.Equal(DfTool.Read(Path.Join(tree.Root, "root")).TotalBytes >> 30, facts.DiskGb);
        Assert.Equal("3d1219c7c4c5404aaa1f6d2a48adfda4", facts.MachineId);
        Assert.Equal(AgentInfo.Version, facts.AgentVersion);
    }

    [Fact]
    public void Container_view_without_host_mounts_falls_back_to_the_kernel_and_has_no_machine_id()
    {
        using var tree = FixtureTree.Copy("container-busybox");

        var facts = new HostFactsReader(tree.Files).Read();

        Assert.Equal("2ca1a07a714c", facts.Hostname);
        Assert.Equal("Linux " + FixtureTree.Read("container-busybox", "proc/sys/kernel/osrelease").Trim(), facts.OsVersion);
        Assert.Null(facts.MachineId);
        Assert.Equal(2, facts.CpuCores);
    }

    [Fact]
    public void Old_distribution_without_os_release_is_named_by_redhat_release()
    {
        using var tree = FixtureTree.Copy("rhel5-kernel-2.6.18");

        var facts = new HostFactsReader(tree.Files).Read();

        Assert.Equal("CentOS release 5.11 (Final)", facts.OsVersion);
        Assert.Equal("web01.example.com", facts.Hostname);
        Assert.Equal(2025, facts.RamMb);
        Assert.Null(facts.MachineId);
    }

    [Fact]
    public void In_a_container_the_hosts_etc_hostname_wins_over_the_containers_kernel_hostname()
    {
        // Captured: under HOST_PROC a container still reads its own UTS name from sys/kernel/hostname.
        using var tree = FixtureTree.Copy("host-debian12");
        tree.Write("proc/sys/kernel/hostname", "2182c5675b34\n");
        tree.Write("root/etc/hostname", "# set by the installer\n\nweb-01\n");

        Assert.Equal("web-01", new HostFactsReader(tree.Files).Read().Hostname);
    }

    [Fact]
    public void Without_etc_hostname_the_kernel_hostname_is_used()
    {
        using var tree = FixtureTree.Copy("host-debian12");
        tree.Delete("root/etc/hostname");
        tree.Write("proc/sys/kernel/hostname", "kernel-name\n");

        Assert.Equal("kernel-name", new HostFactsReader(tree.Files).Read().Hostname);
    }

    [Fact]
    public void On_the_host_itself_the_kernel_hostname_comes_first()
    {
        var facts = new HostFactsReader(new UPanel.Agent.Collection.HostFiles("/proc", "/sys", "/")).Read();

        Assert.Equal(File.ReadAllText("/proc/sys/kernel/hostname").Trim(), facts.Hostname);
    }

    [Fact]
    public void Os_release_in_usr_lib_is_used_when_etc_has_none()
    {
        using var tree = FixtureTree.Copy("host-debian12");
        tree.Delete("root/etc/os-release");
        tree.Write("root/usr/lib/os-release", "NAME=\"Fedora Linux\"\nVERSION=\"40 (Server Edition)\"\n");

        Assert.Equal("Fedora Linux 40 (Server Edition)", new HostFactsReader(tree.Files).Read().OsVersion);
    }

    [Fact]
    public void Unreadable_numbers_become_zero_and_the_rest_is_still_read()
    {
        using var tree = FixtureTree.Copy("host-debian12");
        tree.Delete("proc/stat");
        tree.Write("proc/meminfo", "garbage");
        tree.Write("root/etc/machine-id", "not-a-machine-id\n");

        var facts = new HostFactsReader(tree.Files).Read();

        Assert.Equal(0, facts.CpuCores);
        Assert.Equal(0, facts.RamMb);
        Assert.Null(facts.MachineId);
        Assert.Equal("vm", facts.Hostname);
    }

    [Fact]
    public void Empty_tree_still_gives_a_hostname_and_an_os()
    {
        using var tree = FixtureTree.Copy(null);

        var facts = new HostFactsReader(tree.Files).Read();

        Assert.Equal(Environment.MachineName, facts.Hostname);
        Assert.Equal("Linux", facts.OsVersion);
    }
}
