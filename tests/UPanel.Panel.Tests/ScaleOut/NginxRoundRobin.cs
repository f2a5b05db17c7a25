using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace UPanel.Panel.Tests.ScaleOut;

/// <summary>
/// Debian's nginx (nginx-light, installed by scripts/services.sh) in front of panels, round-robin with keep-alive to
/// them, as docs/scale-out.md deploys it; on a free port of 127.0.0.1, its files in a temporary directory.
/// </summary>
internal sealed class NginxRoundRobin : IAsyncDisposable
{
    private const string Binary = "/usr/sbin/nginx";
    private readonly Process _process;
    private readonly string _directory;

    private NginxRoundRobin(Process process, string directory, Uri url)
    {
        _process = process;
        _directory = directory;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<NginxRoundRobin> StartAsync(params Uri[] panels)
    {
        if (!File.Exists(Binary))
        {
            RequiredServices.Unavailable($"{Binary} is missing: apt-get install nginx-light (scripts/services.sh installs it)");
        }

        var directory = Directory.CreateTempSubdirectory("upanel-nginx-").FullName;
        var port = FreePort();
        var upstreams = string.Concat(panels.Select(p => $"server 127.0.0.1:{p.Port}; "));
        var config = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(config, $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log;
            events { worker_connections 1024; }
            http {
              access_log off;
              client_body_temp_path {{directory}}; proxy_temp_path {{directory}}; fastcgi_temp_path {{directory}};
              uwsgi_temp_path {{directory}}; scgi_temp_path {{directory}};
              upstream panels { {{upstreams}} keepalive 16; }
              server {
                listen 127.0.0.1:{{port}};
                client_max_body_size 2m;
                location / { proxy_pass http://panels; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto $scheme; }
              }
            }
            """);
        var process = Process.Start(new ProcessStartInfo(Binary, ["-c", config, "-p", directory]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var proxy = new NginxRoundRobin(process, directory, new Uri($"http://127.0.0.1:{port}"));
        using var client = new HttpClient { BaseAddress = proxy.Url, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var health = await client.GetAsync("/healthz");
                if (health.StatusCode == HttpStatusCode.OK)
                {
                    return proxy;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                var log = File.Exists(Path.Combine(directory, "error.log")) ? await File.ReadAllTextAsync(Path.Combine(directory, "error.log")) : "";
                await proxy.DisposeAsync();
                throw new InvalidOperationException($"nginx did not start: {log}");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
