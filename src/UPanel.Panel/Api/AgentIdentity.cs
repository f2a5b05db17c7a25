using UPanel.Panel.Storage;

namespace UPanel.Panel.Api;

/// <summary>
/// An authenticated agent. <see cref="PromoteTokenHash"/> is set when it used its new token while the old one was
/// still in overlap (storing the heartbeat ends the overlap); <see cref="TokenToDeliver"/> when it used the old one.
/// </summary>
internal sealed record AgentIdentity(ServerCredentials Server, string? PromoteTokenHash, string? TokenToDeliver);
