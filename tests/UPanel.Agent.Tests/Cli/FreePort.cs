using System.Net;
using System.Net.Sockets;

namespace UPanel.Agent.Tests.Cli;

internal static class FreePort
{
    /// <summary>A loopback port that was free a moment ago (the OS picked it); nothing listens on it now.</summary>
    public static int Pick()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
