namespace UPanel.Agent.Reporting;

/// <summary>
/// The agent's live state, written by the reporter loop and the heartbeat factory, read by <c>/health</c>.
/// Thread-safe; holds nothing secret.
/// </summary>
internal sealed class AgentStatus
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private DateTimeOffset? _lastHeartbeatAt;
    private int _queueLength;
    private long _droppedCount;
    private string? _queueProblem;
    private int? _clockSkewSeconds;
    private PanelState _panel = PanelState.Unknown;
    private bool? _dockerAvailable;
    private UpdateOffer? _update;

    public AgentStatus(TimeProvider time)
    {
        _time = time;
        StartedAt = time.GetUtcNow();
        _startTimestamp = time.GetTimestamp();
    }

    public DateTimeOffset StartedAt { get; }

    /// <summary>Monotonic: a wall-clock step does not change it.</summary>
    public TimeSpan Uptime => _time.GetElapsedTime(_startTimestamp);

    /// <summary>When the panel last accepted a heartbeat.</summary>
    public DateTimeOffset? LastHeartbeatAt
    {
        get { lock (_gate) { return _lastHeartbeatAt; } }
    }

    public int QueueLength
    {
        get { lock (_gate) { return _queueLength; } }
    }

    /// <summary>Heartbeats dropped because the queue was full, since the queue was created (kept across restarts).</summary>
    public long DroppedCount
    {
        get { lock (_gate) { return _droppedCount; } }
    }

    /// <summary>Null while the queue is on disk; otherwise why heartbeats are kept in memory only.</summary>
    public string? QueueProblem
    {
        get { lock (_gate) { return _queueProblem; } }
    }

    /// <summary>Whole seconds the local clock is off the panel's (positive: behind); null until a panel said its time.</summary>
    public int? ClockSkewSeconds
    {
        get { lock (_gate) { return _clockSkewSeconds; } }
    }

    public PanelState Panel
    {
        get { lock (_gate) { return _panel; } }
    }

    /// <summary>Whether the last container collection reached the engine; null before the first.</summary>
    public bool? DockerAvailable
    {
        get { lock (_gate) { return _dockerAvailable; } }
    }

    public AgentStatusSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new AgentStatusSnapshot(
                StartedAt, Uptime, _lastHeartbeatAt, _queueLength, _droppedCount, _panel, _dockerAvailable, _update, _queueProblem, _clockSkewSeconds);
        }
    }

    public void RecordSuccess(DateTimeOffset at)
    {
        lock (_gate)
        {
            _lastHeartbeatAt = at;
            _panel = PanelState.Ok;
        }
    }

    public void SetPanel(PanelState state)
    {
        lock (_gate) { _panel = state; }
    }

    public void SetQueue(int length, long dropped, string? problem)
    {
        lock (_gate)
        {
            _queueLength = length;
            _droppedCount = dropped;
            _queueProblem = problem;
        }
    }

    public void SetClockSkew(int seconds)
    {
        lock (_gate) { _clockSkewSeconds = seconds; }
    }

    /// <summary>The update the panel's last answer offered; null when it offered none.</summary>
    public void SetUpdate(UpdateOffer? offer)
    {
        lock (_gate) { _update = offer; }
    }

    public void SetDockerAvailable(bool available)
    {
        lock (_gate) { _dockerAvailable = available; }
    }
}
