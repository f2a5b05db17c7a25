namespace UPanel.Agent.Collection;

/// <summary>Which of the host's trees a path is relative to (HOST_PROC, HOST_SYS, HOST_ROOT).</summary>
internal enum HostRootKind
{
    Proc,
    Sys,
    Root,
}
