namespace UPanel.Panel.Tests.Deployment;

/// <summary>
/// The lowest and highest RAM use (<see cref="HostFigures.RamUsedMb"/>) this host showed from creation until
/// <see cref="StopAsync"/>, read every 50 ms. On a machine that builds and tests beside the agent, RAM use moves by hundreds
/// of MB within seconds: a heartbeat's figure, sampled at some moment in a window, is bounded by what the host showed
/// throughout that window, not by what it showed at the window's two ends.
/// </summary>
internal sealed class RamUsedRange : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly Task _sampling;
    private long _min = long.MaxValue;
    private long _max = long.MinValue;

    public RamUsedRange()
    {
        Sample();
        _sampling = SampleUntilStoppedAsync();
    }

    public long MinMb
    {
        get
        {
            lock (_gate)
            {
                return _min;
            }
        }
    }

    public long MaxMb
    {
        get
        {
            lock (_gate)
            {
                return _max;
            }
        }
    }

    /// <summary>Takes a last reading and stops.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task SampleUntilStoppedAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), _stop.Token);
                Sample();
            }
        }
        catch (OperationCanceledException)
        {
            Sample();
        }
    }

    private void Sample()
    {
        var used = HostFigures.Read().RamUsedMb;
        lock (_gate)
        {
            _min = Math.Min(_min, used);
            _max = Math.Max(_max, used);
        }
    }
}
