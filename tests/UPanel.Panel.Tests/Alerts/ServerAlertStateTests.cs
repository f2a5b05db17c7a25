using System.Collections.Immutable;
using UPanel.Contracts;
using UPanel.Panel.Alerts;

namespace UPanel.Panel.Tests.Alerts;

/// <summary>
/// <see cref="ServerAlertState.SameAs"/>, which lets an evaluation that changed nothing skip writing the state's JSON:
/// the same says the same JSON, and every kind of difference is one.
/// </summary>
public sealed class ServerAlertStateTests
{
    private static readonly DateTimeOffset T = new(2026, 12, 6, 3, 0, 0, TimeSpan.Zero);

    private static readonly ContainerInfo Web = new() { Id = "abc", Name = "web", Image = "web:1", Status = "running", Health = "healthy", RestartCount = 1 };

    private static readonly ServerAlertState Base = new()
    {
        Firing = ImmutableDictionary<AlertKey, DateTimeOffset>.Empty.Add(new AlertKey("s", AlertKind.ServerOffline), T),
        Pending = ImmutableDictionary<AlertKey, DateTimeOffset>.Empty.Add(new AlertKey("s", AlertKind.ContainerUnhealthy, "web"), T.AddMinutes(-1)),
        Notified = ImmutableDictionary<AlertKey, AlertNotice>.Empty.Add(new AlertKey("s", AlertKind.ServerOffline), new AlertNotice(T, 1)),
        Containers = ImmutableDictionary.Create<string, ContainerInfo>(StringComparer.Ordinal).Add("web", Web),
        Restarts = ImmutableDictionary<string, ImmutableList<DateTimeOffset>>.Empty.Add("web", [T.AddMinutes(-2)]),
    };

    public static TheoryData<string> Kinds => new(Variants().Keys);

    private static Dictionary<string, ServerAlertState> Variants() => new()
    {
        ["empty"] = ServerAlertState.Empty,
        ["another firing"] = Base with { Firing = Base.Firing.Add(new AlertKey("s", AlertKind.CpuHigh), T) },
        ["firing since another time"] = Base with { Firing = Base.Firing.SetItem(new AlertKey("s", AlertKind.ServerOffline), T.AddSeconds(1)) },
        ["nothing pending"] = Base with { Pending = Base.Pending.Clear() },
        ["sent twice"] = Base with { Notified = Base.Notified.SetItem(new AlertKey("s", AlertKind.ServerOffline), new AlertNotice(T, 2)) },
        ["a container's health"] = Base with { Containers = Base.Containers!.SetItem("web", Web with { Health = "unhealthy" }) },
        ["a container's restart count"] = Base with { Containers = Base.Containers!.SetItem("web", Web with { RestartCount = 2 }) },
        ["no containers known"] = Base with { Containers = null },
        ["no containers"] = Base with { Containers = Base.Containers!.Clear() },
        ["another restart"] = Base with { Restarts = Base.Restarts.SetItem("web", [T.AddMinutes(-2), T.AddMinutes(-1)]) },
        ["restarts of another container"] = Base with { Restarts = Base.Restarts.Remove("web").Add("db", [T.AddMinutes(-2)]) },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_difference_of_each_kind_is_not_the_same_and_writes_other_json(string kind)
    {
        var other = Variants()[kind];

        Assert.False(Base.SameAs(other));
        Assert.False(other.SameAs(Base));
        Assert.NotEqual(AlertStateJson.Write(Base), AlertStateJson.Write(other));
    }

    [Fact]
    public void The_same_state_built_again_or_read_back_is_the_same_and_writes_the_same_json()
    {
        var rebuilt = Base with
        {
            Firing = ImmutableDictionary<AlertKey, DateTimeOffset>.Empty.Add(new AlertKey("s", AlertKind.ServerOffline), T),
            Containers = ImmutableDictionary.Create<string, ContainerInfo>(StringComparer.Ordinal).Add("web", Web with { }),
            Restarts = ImmutableDictionary<string, ImmutableList<DateTimeOffset>>.Empty.Add("web", [T.AddMinutes(-2)]),
        };
        var read = AlertStateJson.Read("s", AlertStateJson.Write(Base));

        Assert.True(Base.SameAs(rebuilt));
        Assert.True(Base.SameAs(read));
        Assert.True(read.SameAs(Base));
        Assert.Equal(AlertStateJson.Write(Base), AlertStateJson.Write(rebuilt));
        Assert.True(ServerAlertState.Empty.SameAs(AlertStateJson.Read("s", AlertStateJson.Write(ServerAlertState.Empty))));
    }
}
