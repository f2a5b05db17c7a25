namespace UPanel.Agent.Reporting;

/// <summary>The runtime's socket engine settings the agent chooses (docs/decisions/one-thread-per-heartbeat.md).</summary>
internal static class SocketEngine
{
    /// <summary>
    /// "1": the engine's epoll thread runs socket continuations itself instead of queueing them to the thread pool. The
    /// runtime reads it from the environment when the first socket is created; nothing else configures it.
    /// </summary>
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
}
