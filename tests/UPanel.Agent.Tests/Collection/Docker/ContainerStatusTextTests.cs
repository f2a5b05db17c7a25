using UPanel.Agent.Collection.Docker;

namespace UPanel.Agent.Tests.Collection.Docker;

public sealed class ContainerStatusTextTests
{
    [Theory]
    [InlineData("running", "Up 5 minutes (healthy)", "running|Up(healthy)")]
    [InlineData("running", "Up 6 minutes (healthy)", "running|Up(healthy)")]
    [InlineData("running", "Up 2 seconds (health: starting)", "running|Up(health: starting)")]
    [InlineData("exited", "Exited (3) 2 hours ago", "exited|Exited(3)")]
    [InlineData("paused", "Up 2 days (Paused)", "paused|Up(Paused)")]
    [InlineData("created", "Created", "created|Created")]
    [InlineData("running", null, "running")]
    public void Change_key_keeps_state_health_and_exit_code_but_not_the_duration(string state, string? status, string expected) =>
        Assert.Equal(expected, ContainerStatusText.ChangeKey(state, status));

    [Theory]
    [InlineData("running", "Up 5 minutes (healthy)", "running", "Up 6 minutes (healthy)", true)]
    [InlineData("running", "Up 5 minutes (healthy)", "running", "Up 5 minutes (unhealthy)", false)]
    [InlineData("running", "Up 5 minutes (healthy)", "running", "Up 5 minutes", false)]
    [InlineData("exited", "Exited (3) 2 hours ago", "exited", "Exited (3) 3 hours ago", true)]
    [InlineData("exited", "Exited (3) 2 hours ago", "exited", "Exited (4) 2 hours ago", false)]
    [InlineData("running", "Up 2 days", "paused", "Up 2 days (Paused)", false)]
    [InlineData("running", "Up 2 days", "running", "Up 3 days", true)]
    [InlineData("running", null, "running", null, true)]
    [InlineData("running", null, "running", "", true)]
    [InlineData("running", null, "exited", null, false)]
    [InlineData("created", "Created", "created", "Created", true)]
    public void A_change_key_is_compared_without_being_made(string state, string? status, string nowState, string? nowStatus, bool same)
    {
        var key = ContainerStatusText.ChangeKey(state, status);

        Assert.Equal(same, ContainerStatusText.ChangeKeyEquals(key, nowState, nowStatus));
        Assert.Equal(same, key == ContainerStatusText.ChangeKey(nowState, nowStatus));
    }

    [Fact]
    public void A_long_status_text_keeps_every_parenthesised_part_in_its_key()
    {
        var status = "Up 5 minutes (" + new string('x', 300) + ")";
        var key = ContainerStatusText.ChangeKey("running", status);

        Assert.Equal("running|Up(" + new string('x', 300) + ")", key);
        Assert.True(ContainerStatusText.ChangeKeyEquals(key, "running", status));
        Assert.False(ContainerStatusText.ChangeKeyEquals(key, "running", "Up 5 minutes (" + new string('y', 300) + ")"));
    }

    [Theory]
    [InlineData("Up Less than a second", 1)]
    [InlineData("Up 1 second", 2)]
    [InlineData("Up 45 seconds (healthy)", 46)]
    [InlineData("Up About a minute", 120)]
    [InlineData("Up 5 minutes", 360)]
    [InlineData("Up About an hour (unhealthy)", 5400)]
    [InlineData("Up 3 hours", 12600)]
    [InlineData("Up 3 days (Paused)", 345600)]
    [InlineData("Up 2 weeks", 1814400)]
    public void Up_text_gives_the_longest_uptime_it_can_stand_for(string status, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), ContainerStatusText.UpTimeUpperBound(status));

    [Theory]
    [InlineData("Exited (0) 5 minutes ago")]
    [InlineData("Up forever")]
    [InlineData(null)]
    public void Other_texts_give_no_bound(string? status) => Assert.Null(ContainerStatusText.UpTimeUpperBound(status));

    [Theory]
    [InlineData("Up 1 minute (healthy)", "healthy")]
    [InlineData("Up 1 minute (unhealthy)", "unhealthy")]
    [InlineData("Up 1 second (health: starting)", "starting")]
    [InlineData("Up 1 minute", "none")]
    public void Health_can_be_read_from_the_text_when_no_inspection_is_at_hand(string status, string health) =>
        Assert.Equal(health, ContainerStatusText.HealthFromStatus(status).ToWire());

    [Theory]
    [InlineData("Exited (3) 2 hours ago", 3)]
    [InlineData("Exited (137) About a minute ago", 137)]
    [InlineData("Restarting (1) 2 seconds ago", 1)]
    [InlineData("Exited (-1) 5 seconds ago", -1)]
    [InlineData("Up 5 minutes (healthy)", null)]
    [InlineData("Created", null)]
    [InlineData("Exited (x) 1 second ago", null)]
    [InlineData("Exited (3", null)]
    [InlineData(null, null)]
    public void Exit_code_is_read_from_the_listed_text_of_an_ended_container(string? status, int? code) =>
        Assert.Equal(code, ContainerStatusText.ExitCodeFromStatus(status));
}
