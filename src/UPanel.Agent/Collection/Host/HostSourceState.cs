using Microsoft.Extensions.Logging;

namespace UPanel.Agent.Collection.Host;

/// <summary>Whether one host source currently fails; logs only when that changes, not on every heartbeat.</summary>
internal sealed class HostSourceState(string source, ILogger logger)
{
    public bool Failing { get; private set; }

    public void Succeeded()
    {
        if (Failing)
        {
            Failing = false;
            Log.HostSourceRecovered(logger, source);
        }
    }

    public void Failed(Exception error)
    {
        if (!Failing)
        {
            Failing = true;
            Log.HostSourceFailing(logger, source, error.Message);
        }
    }
}
