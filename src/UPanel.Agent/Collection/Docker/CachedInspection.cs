namespace UPanel.Agent.Collection.Docker;

/// <summary>What one inspection told about a container, kept until its list entry changes or an event invalidates it.</summary>
internal sealed record CachedInspection(
    string ChangeKey,
    ContainerHealth Health,
    DateTimeOffset? StartedAt,
    int RestartCount,
    int ExitCode,
    bool OomKilled,
    DateTimeOffset? FinishedAt);
