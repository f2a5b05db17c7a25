namespace UPanel.Panel.Tests.Deployment;

/// <summary>
/// Tests that run the agent's container as users get it: named upanel-agent, its compose project upanel-agent. One at
/// a time, and alone, so no other test's containers come and go while one counts; across processes (other checkouts'
/// runs on this machine) <see cref="MachineLock"/> keeps them apart.
/// </summary>
[CollectionDefinition(nameof(AgentContainerCollection), DisableParallelization = true)]
public sealed class AgentContainerCollection;
