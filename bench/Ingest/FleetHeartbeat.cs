using UPanel.Contracts;

namespace UPanel.Bench.Ingest;

/// <summary>
/// The heartbeat the load generator sends as its <c>n</c>-th request: 20 containers as a real host has them (different
/// names, images and ids), with CPU, memory and uptime that change from one heartbeat to the next (what the database
/// stores and compresses depends on it), and network counters that grow. <see cref="HeartbeatTemplate"/> writes the
/// same bytes without the serializer.
/// </summary>
internal static class FleetHeartbeat
{
    public const int ContainerCount = 20;

    private static readonly string[] Roles = ["web", "api", "db", "cache", "worker", "proxy", "queue", "cron"];
    private static readonly string[] Images = ["nginx:1.25", "registry.example.com/shop/api:2.14.1", "postgres:16", "redis:7-alpine", "registry.example.com/shop/worker:2.14.1", "traefik:v3.1", "rabbitmq:3.13-management", "alpine:3.20"];
    private static readonly string[] Ids = Enumerable.Range(0, ContainerCount).Select(i => $"{(uint)(i * 2654435761u):x8}{i:x4}").ToArray();
    private static readonly string[] Names = Enumerable.Range(0, ContainerCount).Select(i => $"shop_{Roles[i % Roles.Length]}_{i / Roles.Length + 1}").ToArray();

    public static long UptimeSeconds(int container, long n) => container == ContainerCount - 1 ? 0 : 86400 * (container + 1) + n;

    public static double CpuPercent(int container, long n) => (n * 31 + container * 17) % 2000 / 100.0;

    public static long MemoryMb(int container, long n) => 40 + container * 37 + n * 7 % 50;

    public static Heartbeat Create(string serverId, long n, long seq, DateTimeOffset now, string heartbeatId) => new()
    {
        ServerId = serverId,
        Timestamp = now,
        Metrics = new HostMetrics { CpuPercent = 12.5, RamUsedMb = 1024, RamTotalMb = 4096, DiskUsedGb = 45, DiskTotalGb = 100, LoadAverage = [0.5, 0.4, 0.3], NetworkInBytes = n, NetworkOutBytes = n },
        Containers = Containers(n),
        AgentVersion = "1.0.0",
        HeartbeatId = heartbeatId,
        Seq = seq,
    };

    private static List<ContainerInfo> Containers(long n)
    {
        var containers = new List<ContainerInfo>(ContainerCount);
        for (var i = 0; i < ContainerCount; i++)
        {
            containers.Add(new ContainerInfo
            {
                Id = Ids[i],
                Name = Names[i],
                Image = Images[i % Images.Length],
                Status = i == ContainerCount - 1 ? "exited" : "running",
                Health = i % 5 == 0 ? "healthy" : "none",
                UptimeSeconds = UptimeSeconds(i, n),
                CpuPercent = CpuPercent(i, n),
                MemoryMb = MemoryMb(i, n),
                RestartCount = i == 7 ? 3 : 0,
            });
        }

        return containers;
    }
}
