using System.Text;
using System.Text.Json;

namespace UPanel.Panel.Tests;

/// <summary>
/// The panel's thread-pool workers do not spin waiting for work (docs/decisions/ingest-throughput.md, eleventh pass): the
/// setting reaches the panel's runtimeconfig.json, and the runtime still reads a setting of that name, so an SDK that
/// renames or drops it fails here rather than letting the workers spin again unseen.
/// </summary>
public sealed class ThreadPoolSpinTests
{
    private const string Name = "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit";

    [Fact]
    public void The_panels_runtime_configuration_sets_the_thread_pools_spin_limit_to_zero()
    {
        // The panel's own runtimeconfig.json, copied beside the tests from the project they reference.
        var path = Path.Combine(AppContext.BaseDirectory, "upanel-panel.runtimeconfig.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var settings = document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(settings.TryGetProperty(Name, out var value), $"{Name} is not in {path}: see src/UPanel.Panel/UPanel.Panel.csproj");
        Assert.Equal("0", value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText());
    }

    [Fact]
    public void The_runtimes_thread_pool_reads_a_setting_of_that_name()
    {
        // The thread pool looks the setting up by this string literal (UTF-16 in CoreLib's metadata).
        var coreLib = File.ReadAllBytes(typeof(object).Assembly.Location);

        Assert.True(coreLib.AsSpan().IndexOf(Encoding.Unicode.GetBytes(Name)) >= 0,
            $"{typeof(object).Assembly.Location} has no {Name}: this runtime's thread pool no longer reads it, so the panel's "
            + "workers spin again; see docs/decisions/ingest-throughput.md (eleventh pass)");
    }
}
