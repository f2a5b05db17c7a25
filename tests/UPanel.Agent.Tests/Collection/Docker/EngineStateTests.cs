using UPanel.Agent.Collection.Docker;

namespace UPanel.Agent.Tests.Collection.Docker;

public sealed class EngineStateTests
{
    [Theory]
    [InlineData("running", "running")]
    [InlineData("exited", "exited")]
    [InlineData("paused", "paused")]
    [InlineData("restarting", "restarting")]
    [InlineData("created", "created")]
    [InlineData("dead", "dead")]
    [InlineData("removing", "removing")]
    [InlineData("stopped", "exited")] // Podman, between a container's death and its cleanup
    [InlineData("configured", "created")] // Podman, created and never started
    [InlineData("initialized", "created")]
    [InlineData(null, "unknown")]
    [InlineData("", "unknown")]
    [InlineData("Running", "unknown")] // no engine says it so; passed on unchecked it would be a status no panel knows
    [InlineData("stopping", "unknown")]
    public void Engine_state_becomes_dockers_word(string? engineState, string status) =>
        Assert.Equal(status, EngineState.Parse(engineState).ToWire());

    [Theory]
    [InlineData("starting", "starting")]
    [InlineData("healthy", "healthy")]
    [InlineData("unhealthy", "unhealthy")]
    [InlineData(null, "none")]
    [InlineData("", "none")]
    [InlineData("Healthy", "none")]
    public void Inspected_health_becomes_the_heartbeats_word(string? engineHealth, string health) =>
        Assert.Equal(health, EngineState.ParseHealth(engineHealth).ToWire());

    [Fact]
    public void Every_state_and_health_has_its_own_word()
    {
        Assert.Equal(Enum.GetValues<ContainerState>().Length, Enum.GetValues<ContainerState>().Select(s => s.ToWire()).Distinct().Count());
        Assert.Equal(Enum.GetValues<ContainerHealth>().Length, Enum.GetValues<ContainerHealth>().Select(h => h.ToWire()).Distinct().Count());
        Assert.All(Enum.GetValues<ContainerState>(), s => Assert.Equal(s, EngineState.Parse(s.ToWire())));
    }
}
