using System.Diagnostics;

namespace UPanel.Panel.Tests.Deployment;

/// <summary>
/// A real DNS server (dnsmasq) answering the given names with 127.0.0.1 and nothing else, on port 53 of a loopback
/// address of its own (resolv.conf has no port, and 127.0.0.1:53 may be taken): point a container's
/// /etc/resolv.conf at <see cref="ResolvConf"/>. Every query it answered is in <see cref="Log"/>.
/// </summary>
internal sealed class Dnsmasq : IDisposable
{
    private readonly Process _process;
    private readonly string _logPath;

    private Dnsmasq(Process process, string address, string dir)
    {
        _process = process;
        Address = address;
        _logPath = Path.Combine(dir, "dnsmasq.log");
        ResolvConf = Path.Combine(dir, "resolv.conf");
    }

    public string Address { get; }

    /// <summary>A resolv.conf naming only this server.</summary>
    public string ResolvConf { get; }

    public string Log => File.Exists(_logPath) ? File.ReadAllText(_logPath) : "";

    public static async Task<Dnsmasq> StartAsync(string dir, params string[] names)
    {
        // 127.0.0.0/8 is all loopback: an address of our own for port 53.
        var address = $"127.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}";
        var log = Path.Combine(dir, "dnsmasq.log");
        var start = new ProcessStartInfo("dnsmasq")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in (string[])["--keep-in-foreground", $"--listen-address={address}", "--bind-interfaces", "--port=53",
                     "--no-resolv", "--no-hosts", "--user=root", "--pid-file", "--log-queries", $"--log-facility={log}",
                     .. names.Select(name => $"--address=/{name}/127.0.0.1")])
        {
            start.ArgumentList.Add(arg);
        }

        var dnsmasq = new Dnsmasq(Process.Start(start)!, address, dir);
        await File.WriteAllTextAsync(dnsmasq.ResolvConf, $"nameserver {address}\n");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!dnsmasq.Log.Contains("started, version", StringComparison.Ordinal))
        {
            if (dnsmasq._process.HasExited || DateTime.UtcNow > deadline)
            {
                var error = dnsmasq._process.HasExited ? await dnsmasq._process.StandardError.ReadToEndAsync() : "no start within 30 s";
                dnsmasq.Dispose();
                Assert.Fail($"dnsmasq on {address}:53 did not start: {error} {dnsmasq.Log}");
            }

            await Task.Delay(100);
        }

        return dnsmasq;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
