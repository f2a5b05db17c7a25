namespace UPanel.Agent.Collection.Docker.Cgroups;

/// <summary>
/// Where a container's cgroup files are under HOST_SYS, as directory templates with <c>{id}</c> for the full
/// container id. v1 keeps CPU and memory in separate hierarchies; v2 has one directory.
/// </summary>
internal sealed record CgroupLayout(string Name, int Version, string CpuDirTemplate, string MemoryDirTemplate)
{
    /// <summary>Known layouts, most common first: Docker's systemd and cgroupfs drivers, Podman's systemd scopes and
    /// its cgroupfs manager (the default without systemd: <c>libpod_parent/libpod-{id}</c>).</summary>
    public static readonly IReadOnlyList<CgroupLayout> Candidates =
    [
        new("v2 systemd", 2, "fs/cgroup/system.slice/docker-{id}.scope", "fs/cgroup/system.slice/docker-{id}.scope"),
        new("v2 cgroupfs", 2, "fs/cgroup/docker/{id}", "fs/cgroup/docker/{id}"),
        new("v2 podman", 2, "fs/cgroup/machine.slice/libpod-{id}.scope", "fs/cgroup/machine.slice/libpod-{id}.scope"),
        new("v1 cgroupfs", 1, "fs/cgroup/cpuacct/docker/{id}", "fs/cgroup/memory/docker/{id}"),
        new("v1 cgroupfs (cpu,cpuacct)", 1, "fs/cgroup/cpu,cpuacct/docker/{id}", "fs/cgroup/memory/docker/{id}"),
        new("v1 systemd", 1, "fs/cgroup/cpuacct/system.slice/docker-{id}.scope", "fs/cgroup/memory/system.slice/docker-{id}.scope"),
        new("v1 systemd (cpu,cpuacct)", 1, "fs/cgroup/cpu,cpuacct/system.slice/docker-{id}.scope",
            "fs/cgroup/memory/system.slice/docker-{id}.scope"),
        new("v1 podman", 1, "fs/cgroup/cpuacct/machine.slice/libpod-{id}.scope",
            "fs/cgroup/memory/machine.slice/libpod-{id}.scope"),
        new("v1 podman cgroupfs", 1, "fs/cgroup/cpuacct/libpod_parent/libpod-{id}", "fs/cgroup/memory/libpod_parent/libpod-{id}"),
    ];

    /// <summary>cpuacct.usage (v1, ns) or cpu.stat (v2, usage_usec).</summary>
    public string CpuFile(string id) => CpuDirTemplate.Replace("{id}", id, StringComparison.Ordinal)
        + (Version == 1 ? "/cpuacct.usage" : "/cpu.stat");

    /// <summary>memory.usage_in_bytes (v1) or memory.current (v2).</summary>
    public string MemoryUsageFile(string id) => MemoryDirTemplate.Replace("{id}", id, StringComparison.Ordinal)
        + (Version == 1 ? "/memory.usage_in_bytes" : "/memory.current");

    public string MemoryStatFile(string id) => MemoryDirTemplate.Replace("{id}", id, StringComparison.Ordinal) + "/memory.stat";
}
