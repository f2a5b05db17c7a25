using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using UPanel.Agent.Collection;
using UPanel.Agent.Collection.Host;
using UPanel.Contracts;

namespace UPanel.Agent.Tests.Collection.Host;

public sealed class HostMetricsCollectorTests
{
    [Fact]
    public void Golden_metrics_from_the_debian12_tree_with_two_cpu_samples()
    {
        using var tree = FixtureTree.Copy("host-debian12");
        var collector = new HostMetricsCollector(tree.Files, new FakeLogger());
        tree.Write("proc/stat", FixtureTree.Read("host-debian12", "proc/stat.next"));
        var (dfTotal, dfUsed) = DfTool.Read(Path.Join(tree.Root, "root"));

        var metrics = collector.Collect();

        Assert.Equal(50.25, metrics.CpuPercent);
        Assert.Equal((24683656L - 24220272L) / 1024, metrics.RamUsedMb);
        Assert.Equal(24683656L / 1024, metrics.RamTotalMb);
        Assert.Equal(24105, metrics.RamTotalMb);
        Assert.Equal(dfTotal >> 30, metrics.DiskTotalGb);
        Assert.InRange(metrics.DiskUsedGb!.Value, (dfUsed >> 30) - 1, (dfUsed >> 30) + 1);
        Assert.Equal([1.60, 1.79, 0.95], metrics.LoadAverage!);
        Assert.Equal(403606701L, metrics.NetworkInBytes);
        Assert.Equal(483252L, metrics.NetworkOutBytes);
    }

    [Fact]
    public void Old_kernel_tree_gives_every_field()
    {
        using var tree = FixtureTree.Copy("rhel5-kernel-2.6.18");

        var metrics = new HostMetricsCollector(tree.Files, new FakeLogger()).Collect();

        // Same sample twice: no interval yet, so the average since boot.
        Assert.Equal(Math.Round(100.0 * (2255 + 34 + 2290 + 127 + 456) / (2255 + 34 + 2290 + 22625563 + 6290 + 127 + 456), 2), metrics.CpuPercent);
        Assert.Equal(433, metrics.RamUsedMb);
        Assert.Equal(2025, metrics.RamTotalMb);
        Assert.Equal([0.08, 0.03, 0.01], metrics.LoadAverage!);
        Assert.Equal(1170953347L + 98120, metrics.NetworkInBytes);
    }

    [Theory]
    [InlineData("proc/stat", "cpu")]
    [InlineData("proc/meminfo", "ram")]
    [InlineData("proc/loadavg", "load")]
    [InlineData("proc/1/net/dev", "network")]
    [InlineData("root", "disk")]
    public void Missing_source_leaves_only_its_fields_null(string path, string fields)
    {
        using var tree = FixtureTree.Copy("host-debian12");
        tree.Delete(path);

        var metrics = new HostMetricsCollector(tree.Files, new FakeLogger()).Collect();

        Assert.Equal(fields == "cpu", metrics.CpuPercent is null);
        Assert.Equal(fields == "ram", metrics.RamUsedMb is null);
        Assert.Equal(fields == "ram", metrics.RamTotalMb is null);
        Assert.Equal(fields == "disk", metrics.DiskUsedGb is null);
        Assert.Equal(fields == "disk", metrics.DiskTotalGb is null);
        Assert.Equal(fields == "load", metrics.LoadAverage is null);
        Assert.Equal(fields == "network", metrics.NetworkInBytes is null);
        Assert.Equal(fields == "network", metrics.NetworkOutBytes is null);
    }

    [Fact]
    public void Garbage_everywhere_gives_empty_metrics_and_json_without_NaN()
    {
        using var tree = FixtureTree.Copy("host-debian12");
        foreach (var file in (string[])["proc/stat", "proc/meminfo", "proc/loadavg", "proc/1/net/dev"])
        {
            tree.Write(file, "NaN -1 Infinity \0\0\xff garbage");
        }

        var collector = new HostMetricsCollector(tree.Files, new FakeLogger());
        var metrics = collector.Collect();
        var json = JsonSerializer.Serialize(metrics, ContractsJsonContext.Default.HostMetrics);

        Assert.Equal(new HostMetrics { DiskUsedGb = metrics.DiskUsedGb, DiskTotalGb = metrics.DiskTotalGb }, metrics with { LoadAverage = null });
        Assert.Null(metrics.LoadAverage);
        Assert.DoesNotContain("NaN", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Infinity", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("-", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_files_leave_their_fields_null()
    {
        using var tree = FixtureTree.Copy("host-debian12");
        foreach (var file in (string[])["proc/stat", "proc/meminfo", "proc/loadavg", "proc/1/net/dev"])
        {
            tree.Write(file, "");
        }

        var metrics = new HostMetricsCollector(tree.Files, new FakeLogger()).Collect();

        Assert.Null(metrics.CpuPercent);
        Assert.Null(metrics.RamTotalMb);
        Assert.Null(metrics.LoadAverage);
        Assert.Null(metrics.NetworkInBytes);
        Assert.NotNull(metrics.DiskTotalGb);
    }

    [Fact]
    public void Failing_source_logs_once_per_change_of_state()
    {
        using var tree = FixtureTree.Copy("host-debian12");
        var logger = new FakeLogger();
        var collector = new HostMetricsCollector(tree.Files, logger);
        var meminfo = FixtureTree.Read("host-debian12", "proc/meminfo");

        collector.Collect();
        tree.Delete("proc/meminfo");
        collector.Collect();
        collector.Collect();
        collector.Collect();
        tree.Write("proc/meminfo", meminfo);
        collector.Collect();
        collector.Collect();
        tree.Write("proc/meminfo", "garbage");
        var last = collector.Collect();

        var records = logger.Collector.GetSnapshot();
        Assert.Equal([1000, 1001, 1000], records.Select(r => r.Id.Id));
        Assert.Equal([LogLevel.Warning, LogLevel.Information, LogLevel.Warning], records.Select(r => r.Level));
        Assert.Contains(Path.Join(tree.Root, "proc", "meminfo"), records[0].Message, StringComparison.Ordinal);
        Assert.Contains("no MemTotal", records[2].Message, StringComparison.Ordinal);
        Assert.Null(last.RamTotalMb);
        Assert.NotNull(last.CpuPercent);
    }

    [Fact]
    public void Missing_sysfs_is_logged_once_and_interfaces_are_judged_by_name()
    {
        using var tree = FixtureTree.Copy("host-debian12");
        tree.Delete("sys");
        var logger = new FakeLogger();
        var collector = new HostMetricsCollector(tree.Files, logger);

        var first = collector.Collect();
        collector.Collect();

        Assert.Equal(403606701L, first.NetworkInBytes);
        Assert.Equal([1002], logger.Collector.GetSnapshot().Select(r => r.Id.Id));
    }

    [Fact]
    public void Cpu_file_missing_at_start_recovers_once_it_appears()
    {
        using var tree = FixtureTree.Copy("host-debian12");
        tree.Delete("proc/stat");
        var logger = new FakeLogger();
        var collector = new HostMetricsCollector(tree.Files, logger);

        Assert.Null(collector.Collect().CpuPercent);
        tree.Write("proc/stat", FixtureTree.Read("host-debian12", "proc/stat"));
        var sinceBoot = collector.Collect().CpuPercent;
        tree.Write("proc/stat", FixtureTree.Read("host-debian12", "proc/stat.next"));
        var interval = collector.Collect().CpuPercent;

        Assert.InRange(sinceBoot!.Value, 0, 100);
        Assert.Equal(50.25, interval);
        Assert.Equal([1000, 1001], logger.Collector.GetSnapshot().Select(r => r.Id.Id));
    }

    [Fact]
    public void Through_a_file_seam_that_throws_permission_errors_the_heartbeat_still_has_the_other_fields()
    {
        using var tree = FixtureTree.Copy("host-debian12");
        var files = new FakeHostFiles(tree.Files) { Denied = "loadavg" };

        var metrics = new HostMetricsCollector(files, new FakeLogger()).Collect();

        Assert.Null(metrics.LoadAverage);
        Assert.Equal(24105, metrics.RamTotalMb);
    }

    [Fact]
    public void Nothing_mounted_gives_all_fields_null_and_one_warning_per_source()
    {
        var nowhere = "/nonexistent/upanel-host";
        var files = new HostFiles(nowhere + "/proc", nowhere + "/sys", nowhere + "/root");
        var logger = new FakeLogger();
        var collector = new HostMetricsCollector(files, logger);

        var metrics = collector.Collect();
        collector.Collect();

        Assert.Equal(new HostMetrics(), metrics);
        Assert.Equal("{}", JsonSerializer.Serialize(metrics, ContractsJsonContext.Default.HostMetrics));
        Assert.Equal([1000, 1000, 1000, 1000, 1000], logger.Collector.GetSnapshot().Select(r => r.Id.Id));
    }
}
