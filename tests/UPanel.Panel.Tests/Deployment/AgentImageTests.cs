using System.Buffers.Binary;
using System.Formats.Tar;
using System.Text.Json;
using UPanel.Panel.Hosting;
using UPanel.Panel.Tests.EndToEnd;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Deployment;

/// <summary>
/// The agent's image (deploy/Dockerfile, built by scripts/build-image.sh) on the real engine: what it holds, the user it
/// runs as, and the static binary's https and name resolution (static glibc: /etc/hosts and DNS without NSS modules)
/// against the real panel behind a TLS terminator whose certificate a private CA signed.
/// </summary>
public sealed class AgentImageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("upanel-image-").FullName;

    [Fact]
    public async Task Image_holds_only_the_static_binary_and_the_ca_bundle_and_runs_as_a_numeric_non_root_user()
    {
        var image = await AgentImage.NameAsync();

        var config = JsonDocument.Parse(await DockerCli.RunAsync("image", "inspect", "-f", "{{json .Config}}", image)).RootElement;
        Assert.Equal("65532:65532", config.GetProperty("User").GetString());
        Assert.Equal(["CMD", "/usr/local/bin/upanel-agent", "health"],
            config.GetProperty("Healthcheck").GetProperty("Test").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["/usr/local/bin/upanel-agent"], config.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()));
        // glibc's per-thread malloc caches off (docs/decisions/one-malloc-arena.md); the static glibc reads it at start.
        Assert.Contains("GLIBC_TUNABLES=glibc.malloc.tcache_count=0", config.GetProperty("Env").EnumerateArray().Select(e => e.GetString()));
        var labels = config.GetProperty("Labels");
        // The binary runs in an image with no libc or loader at all: it is static.
        var version = await DockerCli.RunAsync("run", "--rm", "--network", "none", image, "version");
        Assert.Equal("1.0.0", version);
        Assert.Equal(version, labels.GetProperty("org.opencontainers.image.version").GetString());
        Assert.StartsWith("https://", labels.GetProperty("org.opencontainers.image.source").GetString());

        var entries = await ImageEntriesAsync(image);
        Assert.Equal(["etc/ssl/certs/ca-certificates.crt", "usr/local/bin/upanel-agent"],
            entries.Where(e => e.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile).Select(e => e.Name).Order());
        Assert.DoesNotContain(entries, e => e.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink);
        var state = Assert.Single(entries, e => e.Name == "var/lib/upanel-agent/");
        Assert.Equal((65532, 65532), (state.Uid, state.Gid));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, state.Mode);
        var binary = Assert.Single(entries, e => e.Name == "usr/local/bin/upanel-agent");
        Assert.Equal((0, 0), (binary.Uid, binary.Gid));
    }

    [Fact]
    public async Task Static_binary_keeps_the_runtime_data_in_its_file_instead_of_expanding_it_into_anonymous_memory()
    {
        var image = await AgentImage.NameAsync();
        var binary = Assert.Single(await ImageEntriesAsync(image), e => e.Name == "usr/local/bin/upanel-agent");
        using var bytes = new MemoryStream();
        await binary.DataStream!.CopyToAsync(bytes, TestContext.Current.CancellationToken);

        var (type, zeroFilled) = WritableZeroFill(bytes.ToArray());

        // Non-PIE (ET_EXEC): nothing relocates .data at start, so its pages stay file-backed until written.
        Assert.Equal(2, type);
        // ILC's dehydration would put the runtime's data (about 920 KiB here) in a zero-filled section expanded at start:
        // with it, 1,065,200 bytes; without it, 122,752 (glibc, OpenSSL and the runtime's own .bss).
        Assert.True(zeroFilled < 256 * 1024,
            $"the static binary's writable segments zero-fill {zeroFilled} bytes at start, expected under 256 KiB: ILC's "
            + "dehydration is back on (IlcDehydrate=false in src/UPanel.Agent/UPanel.Agent.csproj no longer applies?), which "
            + "costs about 0.9 MiB of anonymous memory per agent; see docs/decisions/static-binary-not-dehydrated.md");
    }

    [Fact]
    public async Task Static_binary_registers_over_https_with_a_private_ca_to_a_panel_named_in_etc_hosts()
    {
        const string name = "panel.upanel-hosts.test";
        var (serverId, output) = await RegisterFromImageAsync(name, ["--add-host", $"{name}:127.0.0.1"]);
        Assert.False(string.IsNullOrEmpty(serverId), output);
    }

    [Fact]
    public async Task Static_binary_registers_over_https_with_a_private_ca_to_a_panel_named_by_a_dns_server()
    {
        const string name = "panel.upanel-dns.test";
        using var dns = await Dnsmasq.StartAsync(_dir, name);

        var (serverId, output) = await RegisterFromImageAsync(name, ["-v", $"{dns.ResolvConf}:/etc/resolv.conf:ro"]);

        Assert.False(string.IsNullOrEmpty(serverId), output);
        Assert.Contains($"query[A] {name} from", dns.Log);
        Assert.Contains($"config {name} is 127.0.0.1", dns.Log);
    }

    /// <summary>`register` in the image (as the install script runs it) against the panel behind TLS: the server id written.</summary>
    private async Task<(string ServerId, string Output)> RegisterFromImageAsync(string panelName, string[] dockerOptions)
    {
        var image = await AgentImage.NameAsync();
        await using var panel = await PanelHost.StartAsync(new PanelOptions { DataDirectory = Path.Combine(_dir, "panel") });
        using var ca = new PrivateCa();
        await using var tls = new TlsTerminator(panel.BaseAddress.Port, ca.Issue(panelName), panelName);
        await File.WriteAllTextAsync(Path.Combine(_dir, "ca.pem"), ca.RootPem);
        var installToken = await panel.CreateInstallTokenAsync();
        var etc = Directory.CreateDirectory(Path.Combine(_dir, "etc")).FullName;

        var output = await AgentImage.RegisterAsync(
            tls.Url, installToken, etc,
            ["-e", "SSL_CERT_FILE=/etc/upanel-ca.pem", "-v", $"{Path.Combine(_dir, "ca.pem")}:/etc/upanel-ca.pem:ro", .. dockerOptions]);

        Assert.Equal(1, tls.Sessions);
        Assert.DoesNotContain(installToken, output);
        var settings = AgentEndToEndTests<SqlitePanelFixture>.ReadEnvFile(Path.Combine(etc, ".env"));
        Assert.Equal(tls.Url.ToString().TrimEnd('/'), settings["PANEL_URL"]);
        var server = await panel.AdminGetAsync($"/api/admin/servers/{settings["SERVER_ID"]}");
        Assert.Equal("never_seen", server.GetProperty("status").GetString());
        return (server.GetProperty("id").GetString()!, output);
    }

    /// <summary>Every entry of every layer of the image (docker save), as the image ships it.</summary>
    private async Task<List<TarEntry>> ImageEntriesAsync(string image)
    {
        var saved = Path.Combine(_dir, "image.tar");
        await DockerCli.RunAsync("save", "-o", saved, image);
        var layers = new Dictionary<string, byte[]>();
        string? manifest = null;
        await using (var archive = File.OpenRead(saved))
        {
            using var reader = new TarReader(archive);
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.DataStream is null)
                {
                    continue;
                }

                using var copy = new MemoryStream();
                await entry.DataStream.CopyToAsync(copy);
                if (entry.Name == "manifest.json")
                {
                    manifest = System.Text.Encoding.UTF8.GetString(copy.ToArray());
                }
                else
                {
                    layers[entry.Name] = copy.ToArray();
                }
            }
        }

        var entries = new List<TarEntry>();
        foreach (var layer in JsonDocument.Parse(manifest!).RootElement[0].GetProperty("Layers").EnumerateArray())
        {
            using var reader = new TarReader(new MemoryStream(layers[layer.GetString()!]));
            // Each entry's data copied: it stays readable after the layer's reader is gone.
            while (reader.GetNextEntry(copyData: true) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    /// <summary>An ELF64 file's type (e_type) and the bytes its writable PT_LOAD segments add beyond the file (.bss).</summary>
    private static (int Type, long ZeroFilled) WritableZeroFill(byte[] elf)
    {
        Assert.Equal("\u007fELF"u8.ToArray(), elf[..4]);
        var type = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(16));
        var headers = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(32));
        var size = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(54));
        var count = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(56));
        long zeroFilled = 0;
        for (var i = 0; i < count; i++)
        {
            var header = elf.AsSpan((int)(headers + (i * size)), size);
            const uint Load = 1, Writable = 2;
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) == Load && (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) & Writable) != 0)
            {
                zeroFilled += (long)(BinaryPrimitives.ReadUInt64LittleEndian(header[40..]) - BinaryPrimitives.ReadUInt64LittleEndian(header[32..]));
            }
        }

        return (type, zeroFilled);
    }

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
    }
}
