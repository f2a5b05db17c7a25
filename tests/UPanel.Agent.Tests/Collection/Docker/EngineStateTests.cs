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
    public void Engine_state_becomes_dockers_word(string? engineState, string status) =>
        Assert.Equal(status, EngineState.ToDockerState(engineState));
}
