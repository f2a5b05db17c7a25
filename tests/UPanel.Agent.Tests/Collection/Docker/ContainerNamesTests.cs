using UPanel.Agent.Collection.Docker;
using UPanel.Agent.Collection.Docker.Api;

namespace UPanel.Agent.Tests.Collection.Docker;

public sealed class ContainerNamesTests
{
    private const string Id = "6faf4cb251ba683ab1aa1d5e4a9c90a94a80aa6a1a67407d131e420e8f608a05";

    [Fact]
    public void Short_id_and_own_name_come_from_the_list_entry_and_are_made_once_per_entry()
    {
        var names = new ContainerNames();
        var entry = new DockerContainerSummary { Id = Id, Names = ["/web/db", "/db"] };

        var first = names.Get(entry);
        var second = names.Get(entry);

        Assert.Equal(("6faf4cb251ba", "db"), first);
        Assert.Same(first.ShortId, second.ShortId);
        Assert.Same(first.Name, second.Name);
    }

    [Fact]
    public void A_new_list_entry_of_the_same_container_gives_its_new_name()
    {
        var names = new ContainerNames();
        names.Get(new DockerContainerSummary { Id = Id, Names = ["/old"] });

        Assert.Equal(("6faf4cb251ba", "new"), names.Get(new DockerContainerSummary { Id = Id, Names = ["/new"] }));
        Assert.Equal(("6faf4cb251ba", "6faf4cb251ba"), names.Get(new DockerContainerSummary { Id = Id }));
    }

    [Fact]
    public void Containers_no_longer_listed_are_forgotten()
    {
        var names = new ContainerNames();
        var kept = new DockerContainerSummary { Id = Id, Names = ["/kept"] };
        names.Get(kept);
        names.Get(new DockerContainerSummary { Id = new string('1', 64), Names = ["/gone"] });

        names.KeepOnly([Id]);

        Assert.Equal(1, names.Count);
        Assert.Equal(("6faf4cb251ba", "kept"), names.Get(kept));
    }
}
