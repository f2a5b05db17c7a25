namespace UPanel.Panel.Tests.Deployment;

/// <summary>
/// A lock across processes on this machine: the container named upanel-agent, its compose project and /opt/upanel-agent
/// exist once per host, and every checkout's test run (each engineer's worktree, CI) would otherwise share them.
/// .NET takes an flock for FileShare.None, released when the file is closed (or the process dies).
/// </summary>
internal sealed class MachineLock : IDisposable
{
    private readonly FileStream _file;

    private MachineLock(FileStream file) => _file = file;

    public static async Task<MachineLock> AcquireAsync(string name, TimeSpan timeout)
    {
        var path = Path.Combine(Path.GetTempPath(), $"upanel-test-{name}.lock");
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new MachineLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }

    public void Dispose() => _file.Dispose();
}
