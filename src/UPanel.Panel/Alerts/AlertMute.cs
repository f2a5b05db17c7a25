namespace UPanel.Panel.Alerts;

/// <summary>Maintenance: no notifications for a server (or one of its containers, when named) until <see cref="Until"/>.</summary>
internal sealed record AlertMute(string ServerId, string? Container, DateTimeOffset Until)
{
    public bool Covers(AlertKey key, DateTimeOffset now) => Covers(key.ServerId, key.Container, now);

    public bool Covers(string serverId, string? container, DateTimeOffset now) =>
        now < Until && serverId == ServerId && (Container is null || Container == container);
}
