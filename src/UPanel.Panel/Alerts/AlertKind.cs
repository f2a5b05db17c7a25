namespace UPanel.Panel.Alerts;

/// <summary>What an alert is about; the server rules first, then the container rules.</summary>
internal enum AlertKind
{
    ServerOffline,
    CpuHigh,
    RamHigh,
    DiskHigh,
    LoadHigh,
    DiskFullForecast,
    AgentBehind,
    ClockSkew,
    TokenFailures,
    ContainerExited,
    ContainerOomKilled,
    ContainerUnhealthy,
    ContainerRestartLoop,
    ContainerDisappeared,
}
