using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using UPanel.Agent.Http;

namespace UPanel.Agent.Tests.Http;

/// <summary>
/// The agent's own read of the system's trusted certificates: what it reads (the same as .NET's system store), that it
/// keeps only what anchored the panel's chain and reads the whole store again only for a chain that does not validate
/// with it or after a change, and that https validation with it accepts and refuses what the whole store does.
/// </summary>
public sealed class SystemTrustStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("upanel-truststore-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Holds_exactly_what_the_runtimes_own_system_store_holds()
    {
        // The test host runs without the agent's ILC substitution, so .NET's store reads the same paths here.
        var runtime = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in new[] { StoreName.Root, StoreName.CertificateAuthority })
        {
            using var store = new X509Store(name, StoreLocation.LocalMachine);
            store.Open(OpenFlags.ReadOnly);
            foreach (var certificate in store.Certificates)
            {
                _ = runtime.Add(certificate.Thumbprint);
                certificate.Dispose();
            }
        }

        var read = SystemTrustStore.Shared.ReadAll();
        var ours = read.Select(c => c.Thumbprint).ToHashSet(StringComparer.Ordinal);
        foreach (var certificate in read)
        {
            certificate.Dispose();
        }

        Assert.NotEmpty(runtime);
        Assert.Equal(runtime.Order(StringComparer.Ordinal), ours.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Policy_is_custom_root_trust_checked_at_each_build_with_names_and_no_revocation_as_sslstream_sets()
    {
        using var root = TestCertificates.Create("127.0.0.1");
        var store = new SystemTrustStore(WritePem("bundle.pem", root), []);
        await using var server = ScriptedServer.AnsweringOkOverTls(root);

        var before = store.Policy();
        await GetAsync(store, server);
        var policy = store.Policy();

        Assert.Empty(before.CustomTrustStore); // nothing kept before a chain was validated
        foreach (var each in new[] { before, policy })
        {
            Assert.Equal(X509ChainTrustMode.CustomRootTrust, each.TrustMode);
            Assert.Equal(X509RevocationMode.NoCheck, each.RevocationMode);
            Assert.Equal(X509RevocationFlag.ExcludeRoot, each.RevocationFlag);
            Assert.True(each.VerificationTimeIgnored); // the time of each handshake, not of the read
            Assert.Equal(X509VerificationFlags.NoFlag, each.VerificationFlags); // no IgnoreInvalidName: host names checked
            Assert.Empty(each.ExtraStore);
            Assert.Empty(each.ApplicationPolicy); // SslStream adds server-auth to its clone
        }

        Assert.Equal([root.Thumbprint], policy.CustomTrustStore.Select(c => c.Thumbprint));
    }

    [Fact]
    public void Reads_pem_certificates_of_the_file_and_every_file_of_the_directories_once_each()
    {
        using var a = TestCertificates.Create("a.example");
        using var b = TestCertificates.Create("b.example");
        using var c = TestCertificates.Create("c.example");
        var file = Path.Combine(_dir, "bundle.pem");
        // A comment, a certificate, a key-like block that is not one, and OpenSSL's TRUSTED CERTIFICATE (skipped, as .NET does).
        File.WriteAllText(file, "# bundle\n" + a.ExportCertificatePem() + "\n-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
            + PemEncodingLabel("TRUSTED CERTIFICATE", c.RawData));
        var directory = Directory.CreateDirectory(Path.Combine(_dir, "certs")).FullName;
        File.WriteAllBytes(Path.Combine(directory, "b.der"), b.RawData); // one DER certificate per file
        File.WriteAllText(Path.Combine(directory, "a-again.pem"), a.ExportCertificatePem()); // a duplicate
        File.WriteAllText(Path.Combine(directory, "README"), "not a certificate\n");

        var store = new SystemTrustStore(file, [directory, Path.Combine(_dir, "missing")]);
        var read = store.ReadAll();

        Assert.Equal(
            new[] { a.Thumbprint, b.Thumbprint }.Order(StringComparer.Ordinal),
            read.Select(x => x.Thumbprint).Order(StringComparer.Ordinal));
        Assert.Equal(1, store.Loads);
    }

    [Fact]
    public void Default_directory_without_certificates_falls_back_to_etc_ssl_certs_as_the_runtime_does()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        var etc = new SystemTrustStore(null, ["/etc/ssl/certs"]).ReadAll().Count;

        Assert.NotEqual(0, etc);
        Assert.Equal(etc, new SystemTrustStore(null, [empty], defaultDirectory: true).ReadAll().Count);
        Assert.Empty(new SystemTrustStore(null, [empty], defaultDirectory: false).ReadAll());
    }

    [Fact]
    public async Task Handshakes_are_validated_with_it_and_read_nothing_again_while_nothing_changes()
    {
        using var certificate = TestCertificates.Create("127.0.0.1");
        var store = new SystemTrustStore(WritePem("bundle.pem", certificate), []);
        await using var server = ScriptedServer.AnsweringOkOverTls(certificate);

        for (var i = 0; i < 3; i++)
        {
            // A client each: a new connection and a new handshake each time.
            await GetAsync(store, server);
        }

        Assert.Equal(3, server.ConnectionCount);
        Assert.Equal(1, store.Loads);
        Assert.Equal([certificate.Thumbprint], store.Policy().CustomTrustStore.Select(c => c.Thumbprint));
    }

    [Fact]
    public async Task A_certificate_it_does_not_hold_is_refused_with_the_same_error_and_nothing_is_sent()
    {
        using var trusted = TestCertificates.Create("127.0.0.1");
        using var other = TestCertificates.Create("127.0.0.1");
        var store = new SystemTrustStore(WritePem("bundle.pem", trusted), []);
        await using var server = ScriptedServer.AnsweringOkOverTls(other);
        using var client = new Http1Client(new Http1ClientOptions { TrustStore = store });

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(
            HttpRequest.Post(server.Url("/api/agent/heartbeat", "https"), "{}"u8.ToArray(), "application/json", "Bearer secret-token"), Ct));

        Assert.StartsWith(
            $"POST https://127.0.0.1:{server.Port}/api/agent/heartbeat: TLS: the certificate of 127.0.0.1 is not trusted (UntrustedRoot): "
            + "the server must send its whole chain", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token", error.Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task A_trusted_certificate_for_another_name_is_refused_naming_the_host()
    {
        using var certificate = TestCertificates.Create("panel.example");
        var store = new SystemTrustStore(WritePem("bundle.pem", certificate), []);
        await using var server = ScriptedServer.AnsweringOkOverTls(certificate);
        using var client = new Http1Client(new Http1ClientOptions { TrustStore = store });

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(HttpRequest.Get(server.Url("/health", "https")), Ct));

        Assert.Equal(
            $"GET https://127.0.0.1:{server.Port}/health: TLS: the certificate of 127.0.0.1 is issued for panel.example, not 127.0.0.1: " +
            "use one of those names in the URL, or give the server a certificate for 127.0.0.1",
            error.Message);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task A_changed_bundle_or_directory_drops_what_was_kept_and_is_read_again_at_the_next_handshake()
    {
        using var first = TestCertificates.Create("first.example");
        using var added = TestCertificates.Create("127.0.0.1");
        var file = WritePem("bundle.pem", first);
        var directory = Directory.CreateDirectory(Path.Combine(_dir, "certs")).FullName;
        var store = new SystemTrustStore(file, [directory]);
        await using var server = ScriptedServer.AnsweringOkOverTls(added);
        _ = await Assert.ThrowsAsync<HttpTransportException>(() => GetAsync(store, server));
        Assert.Equal(1, store.Loads);

        // A new certificate in the directory (its modification time moves; set explicitly, the clock's grain is coarse).
        File.WriteAllText(Path.Combine(directory, "added.pem"), added.ExportCertificatePem());
        Directory.SetLastWriteTimeUtc(directory, DateTime.UtcNow.AddMinutes(1));
        await GetAsync(store, server);
        await GetAsync(store, server);
        Assert.Equal(2, store.Loads);
        Assert.Equal([added.Thumbprint], store.Policy().CustomTrustStore.Select(c => c.Thumbprint));

        // Removed again: the kept certificate goes with the change, and the server is no longer trusted.
        File.Delete(Path.Combine(directory, "added.pem"));
        Directory.SetLastWriteTimeUtc(directory, DateTime.UtcNow.AddMinutes(2));
        Assert.Empty(store.Policy().CustomTrustStore);
        var error = await Assert.ThrowsAsync<HttpTransportException>(() => GetAsync(store, server));
        Assert.Contains("is not trusted (UntrustedRoot)", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, store.Loads);
    }

    [Fact]
    public async Task A_link_to_the_bundle_is_followed_for_its_modification_time()
    {
        using var first = TestCertificates.Create("127.0.0.1");
        using var second = TestCertificates.Create("b.example");
        var target = WritePem("ca-certificates.crt", first);
        var link = Path.Combine(_dir, "cert.pem");
        File.CreateSymbolicLink(link, target); // as Debian's /usr/lib/ssl/cert.pem
        var store = new SystemTrustStore(link, []);
        await using var server = ScriptedServer.AnsweringOkOverTls(first);
        await GetAsync(store, server);
        Assert.Equal([first.Thumbprint], store.Policy().CustomTrustStore.Select(c => c.Thumbprint));

        File.WriteAllText(target, second.ExportCertificatePem());
        File.SetLastWriteTimeUtc(target, DateTime.UtcNow.AddMinutes(1));

        Assert.Empty(store.Policy().CustomTrustStore);
        _ = await Assert.ThrowsAsync<HttpTransportException>(() => GetAsync(store, server));
        Assert.Equal(2, store.Loads);
    }

    [Fact]
    public async Task Only_the_root_that_anchored_the_panels_chain_is_kept_and_nothing_is_read_again_while_it_anchors_it()
    {
        using var other = TestCertificates.CreateCa("Other root");
        using var root = TestCertificates.CreateCa("Panel root");
        using var third = TestCertificates.CreateCa("Third root");
        using var intermediate = TestCertificates.CreateCa("Panel intermediate", root);
        using var leaf = TestCertificates.Issue(intermediate, "127.0.0.1");
        var store = new SystemTrustStore(WritePem("bundle.pem", other, root, third), []);
        await using var server = ScriptedServer.AnsweringOkOverTls(leaf, intermediate);

        for (var i = 0; i < 3; i++)
        {
            await GetAsync(store, server);
        }

        // The intermediate the server sends is not kept: it is not in the store.
        Assert.Equal([root.Thumbprint], store.Policy().CustomTrustStore.Select(c => c.Thumbprint));
        Assert.Equal(1, store.Loads);
        Assert.Equal(3, server.ConnectionCount);
    }

    [Fact]
    public async Task An_intermediate_the_chain_took_from_the_store_is_kept_with_its_root()
    {
        using var root = TestCertificates.CreateCa("Panel root");
        using var intermediate = TestCertificates.CreateCa("Panel intermediate", root);
        using var leaf = TestCertificates.Issue(intermediate, "127.0.0.1");
        var directory = Directory.CreateDirectory(Path.Combine(_dir, "certs")).FullName;
        File.WriteAllBytes(Path.Combine(directory, "intermediate.der"), intermediate.RawData);
        var store = new SystemTrustStore(WritePem("bundle.pem", root), [directory]);
        await using var server = ScriptedServer.AnsweringOkOverTls(leaf); // the server sends only its own certificate

        await GetAsync(store, server);
        await GetAsync(store, server);

        Assert.Equal(
            new[] { root.Thumbprint, intermediate.Thumbprint }.Order(StringComparer.Ordinal),
            store.Policy().CustomTrustStore.Select(c => c.Thumbprint).Order(StringComparer.Ordinal));
        Assert.Equal(1, store.Loads);
    }

    [Fact]
    public async Task A_panel_certificate_anchored_by_another_trusted_root_connects_and_that_root_is_kept_instead()
    {
        using var root = TestCertificates.CreateCa("Panel root");
        using var next = TestCertificates.CreateCa("Next root");
        using var before = TestCertificates.Issue(root, "127.0.0.1");
        using var after = TestCertificates.Issue(next, "127.0.0.1");
        var store = new SystemTrustStore(WritePem("bundle.pem", root, next), []);
        await using (var server = ScriptedServer.AnsweringOkOverTls(before))
        {
            await GetAsync(store, server);
        }

        await using (var server = ScriptedServer.AnsweringOkOverTls(after))
        {
            await GetAsync(store, server);
            await GetAsync(store, server);
        }

        Assert.Equal([next.Thumbprint], store.Policy().CustomTrustStore.Select(c => c.Thumbprint));
        Assert.Equal(2, store.Loads); // once for each root, then the kept one validates
    }

    [Fact]
    public async Task Once_a_root_is_kept_an_untrusted_certificate_is_refused_as_the_whole_store_refuses_it_and_the_root_stays()
    {
        using var root = TestCertificates.CreateCa("Panel root");
        using var stranger = TestCertificates.CreateCa("Untrusted root");
        using var trusted = TestCertificates.Issue(root, "127.0.0.1");
        using var untrusted = TestCertificates.Issue(stranger, "127.0.0.1");
        var store = new SystemTrustStore(WritePem("bundle.pem", root), []);
        await using (var server = ScriptedServer.AnsweringOkOverTls(trusted))
        {
            await GetAsync(store, server);
        }

        // Signed by a CA the store does not hold, sent without it, then below an intermediate of that CA that is sent.
        using var strangerIntermediate = TestCertificates.CreateCa("Untrusted intermediate", stranger);
        using var belowIntermediate = TestCertificates.Issue(strangerIntermediate, "127.0.0.1");
        foreach (var (certificate, chain) in new[] { (untrusted, Array.Empty<X509Certificate2>()), (belowIntermediate, [strangerIntermediate]) })
        {
            await using var server = ScriptedServer.AnsweringOkOverTls(certificate, chain);

            var error = await Assert.ThrowsAsync<HttpTransportException>(() => GetAsync(store, server));
            var wholeStore = await Assert.ThrowsAsync<HttpTransportException>(() => GetAsync(WholeStorePolicy(store), server));

            Assert.Equal(wholeStore.Message, error.Message);
            Assert.StartsWith(
                $"GET https://127.0.0.1:{server.Port}/health: TLS: the certificate of 127.0.0.1 is not trusted (PartialChain): "
                + "the server must send its whole chain", error.Message, StringComparison.Ordinal);
            Assert.Empty(server.Requests);
        }

        Assert.Equal([root.Thumbprint], store.Policy().CustomTrustStore.Select(c => c.Thumbprint));
        Assert.Equal(5, store.Loads); // the first chain, then each refused one against the whole store, and the probe's reads
    }

    [Fact]
    public async Task Once_a_root_is_kept_an_expired_certificate_it_anchors_is_refused()
    {
        using var root = TestCertificates.CreateCa("Panel root");
        using var valid = TestCertificates.Issue(root, "127.0.0.1");
        using var expired = TestCertificates.Issue(root, "127.0.0.1", notAfter: DateTimeOffset.UtcNow.AddHours(-1));
        var store = new SystemTrustStore(WritePem("bundle.pem", root), []);
        await using (var server = ScriptedServer.AnsweringOkOverTls(valid))
        {
            await GetAsync(store, server);
        }

        await using (var server = ScriptedServer.AnsweringOkOverTls(expired))
        {
            var error = await Assert.ThrowsAsync<HttpTransportException>(() => GetAsync(store, server));
            var wholeStore = await Assert.ThrowsAsync<HttpTransportException>(() => GetAsync(WholeStorePolicy(store), server));

            Assert.Equal(wholeStore.Message, error.Message);
            Assert.Equal(
                $"GET https://127.0.0.1:{server.Port}/health: TLS: the certificate of 127.0.0.1 is not trusted (NotTimeValid): it, or a CA "
                + "certificate above it, has expired or is not valid yet: renew the server's certificate, or set this host's clock right",
                error.Message);
            Assert.Empty(server.Requests);
        }
    }

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
    }

    private string WritePem(string name, params X509Certificate2[] certificates)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n")));
        return path;
    }

    /// <summary>GET /health over a new connection (a client each), validated with <paramref name="store"/>.</summary>
    private static Task GetAsync(SystemTrustStore store, ScriptedServer server) => GetAsync(new Http1ClientOptions { TrustStore = store }, server);

    /// <summary>The same with every certificate of the store as the policy, as the agent validated before it kept only the anchors.</summary>
    private static Task GetAsync(X509ChainPolicy wholeStore, ScriptedServer server) => GetAsync(new Http1ClientOptions { CertificateChainPolicy = wholeStore }, server);

    private static async Task GetAsync(Http1ClientOptions options, ScriptedServer server)
    {
        using var client = new Http1Client(options);
        using var response = await client.SendAsync(HttpRequest.Get(server.Url("/health", "https")), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static X509ChainPolicy WholeStorePolicy(SystemTrustStore store)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            RevocationFlag = X509RevocationFlag.ExcludeRoot,
            VerificationTimeIgnored = true,
        };
        policy.CustomTrustStore.AddRange(store.ReadAll());
        return policy;
    }

    private static string PemEncodingLabel(string label, byte[] der) =>
        new StringBuilder().Append("-----BEGIN ").Append(label).Append("-----\n")
            .Append(Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks)).Append("\n-----END ").Append(label).Append("-----\n")
            .ToString();
}
