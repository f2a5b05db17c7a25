namespace UPanel.Agent.Configuration;

/// <summary>What a command needs from the configuration, which decides which problems stop it.</summary>
internal enum ConfigNeeds
{
    /// <summary><c>collect</c>, <c>health</c>: local settings only; panel settings may be missing or wrong.</summary>
    Local,

    /// <summary><c>register</c>: a panel URL; the server id and token are about to be replaced.</summary>
    Registration,

    /// <summary><c>run</c>, <c>check</c>: everything, including a registered server id and token.</summary>
    Panel,
}
