namespace UPanel.Agent.Cli;

/// <summary>Process exit codes; 70 and 78 are sysexits' EX_SOFTWARE and EX_CONFIG, which systemd and scripts recognise.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int Software = 70;
    public const int Config = 78;
    public const int Interrupted = 130;
}
