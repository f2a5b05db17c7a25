namespace UPanel.Panel.Alerts;

/// <summary>One stored reading of the root filesystem, for the disk-full forecast.</summary>
internal readonly record struct DiskSample(DateTimeOffset At, double UsedGb, double TotalGb);
