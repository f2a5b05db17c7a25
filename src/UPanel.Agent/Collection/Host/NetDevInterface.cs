namespace UPanel.Agent.Collection.Host;

/// <summary>One interface line of <c>/proc/net/dev</c>: byte counters since boot (or since the interface appeared).</summary>
internal readonly record struct NetDevInterface(string Name, ulong ReceivedBytes, ulong TransmittedBytes);
