using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using UPanel.Agent.Http;

namespace UPanel.Agent.Tests.Http;

/// <summary>
/// The agent's own read of the system's trusted certificates: what it reads (the same as .NET's system store), that it
/// reads once and again only on a change, and that https validation with it refuses what it refused before.
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

        var ours = SystemTrustStore.Shared.Policy().CustomTrustStore.Select(c => c.Thumbprint).ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(runtime);
        Assert.Equal(runtime.Order(StringComparer.Ordinal), ours.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Policy_is_custom_root_trust_checked_at_each_build_with_names_and_no_revocation_as_sslstream_sets()
    {
        using var root = TestCertificates.Create("127.0.0.1");
        var file = WritePem("bundle.pem", root);

        var policy = new SystemTrustStore(file, []).Policy();

        Assert.Equal(X509ChainTrustMode.CustomRootTrust, policy.TrustMode);
        Assert.Equal(X509RevocationMode.NoCheck, policy.RevocationMode);
        Assert.Equal(X509RevocationFlag.ExcludeRoot, policy.RevocationFlag);
        Assert.True(policy.VerificationTimeIgnored); // the time of each handshake, not of the read
        Assert.Equal(X509VerificationFlags.NoFlag, policy.VerificationFlags); // no IgnoreInvalidName: host names checked
        Assert.Empty(policy.ExtraStore);
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
        var first = store.Policy();
        var second = store.Policy();

        Assert.Equal(
            new[] { a.Thumbprint, b.Thumbprint }.Order(StringComparer.Ordinal),
            first.CustomTrustStore.Select(x => x.Thumbprint).Order(StringComparer.Ordinal));
        Assert.Same(first, second);
        Assert.Equal(1, store.Loads);
    }

    [Fact]
    public void Default_directory_without_certificates_falls_back_to_etc_ssl_certs_as_the_runtime_does()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        var etc = new SystemTrustStore(null, ["/etc/ssl/certs"]).Policy().CustomTrustStore.Count;

        Assert.Equal(etc, new SystemTrustStore(null, [empty], defaultDirectory: true).Policy().CustomTrustStore.Count);
        Assert.Empty(new SystemTrustStore(null, [empty], defaultDirectory: false).Policy().CustomTrustStore);
    }

    [Fact]
    public async Task Handshakes_are_validated_with_it_and_read_nothing_again_while_nothing_changes()
    {
        using var certificate = TestCertificates.Create("127.0.0.1");
        var store = new SystemTrustStore(WritePem("bundle.pem", certificate), []);
        await using var server = TlsServer(certificate);

        for (var i = 0; i < 3; i++)
        {
            // A client each: a new connection and a new handshake each time.
            using var client = new Http1Client(new Http1ClientOptions { CertificateChainPolicy = store.Policy() });
            using var response = await client.SendAsync(HttpRequest.Get(server.Url("/health", "https")), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(3, server.ConnectionCount);
        Assert.Equal(1, store.Loads);
    }

    [Fact]
    public async Task A_certificate_it_does_not_hold_is_refused_with_the_same_error_and_nothing_is_sent()
    {
        using var trusted = TestCertificates.Create("127.0.0.1");
        using var other = TestCertificates.Create("127.0.0.1");
        var store = new SystemTrustStore(WritePem("bundle.pem", trusted), []);
        await using var server = TlsServer(other);
        using var client = new Http1Client(new Http1ClientOptions { CertificateChainPolicy = store.Policy() });

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
        await using var server = TlsServer(certificate);
        using var client = new Http1Client(new Http1ClientOptions { CertificateChainPolicy = store.Policy() });

        var error = await Assert.ThrowsAsync<HttpTransportException>(() => client.SendAsync(HttpRequest.Get(server.Url("/health", "https")), Ct));

        Assert.Equal(
            $"GET https://127.0.0.1:{server.Port}/health: TLS: the certificate of 127.0.0.1 is not issued for 127.0.0.1: " +
            "use the name the certificate is issued for in the URL, or give the server a certificate for this name",
            error.Message);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task A_changed_bundle_or_directory_is_read_again_at_the_next_handshake()
    {
        using var first = TestCertificates.Create("first.example");
        using var added = TestCertificates.Create("127.0.0.1");
        var file = WritePem("bundle.pem", first);
        var directory = Directory.CreateDirectory(Path.Combine(_dir, "certs")).FullName;
        var store = new SystemTrustStore(file, [directory]);
        await using var server = TlsServer(added);
        Assert.Equal([first.Thumbprint], store.Policy().CustomTrustStore.Select(c => c.Thumbprint));

        // A new certificate in the directory (its modification time moves; set explicitly, the clock's grain is coarse).
        File.WriteAllText(Path.Combine(directory, "added.pem"), added.ExportCertificatePem());
        Directory.SetLastWriteTimeUtc(directory, DateTime.UtcNow.AddMinutes(1));
        Assert.Equal(
            new[] { first.Thumbprint, added.Thumbprint }.Order(StringComparer.Ordinal),
            store.Policy().CustomTrustStore.Select(c => c.Thumbprint).Order(StringComparer.Ordinal));
        using (var client = new Http1Client(new Http1ClientOptions { CertificateChainPolicy = store.Policy() }))
        using (var response = await client.SendAsync(HttpRequest.Get(server.Url("/health", "https")), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(2, store.Loads);

        // The bundle rewritten without the first: it is no longer trusted.
        File.WriteAllText(file, added.ExportCertificatePem());
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(2));
        Assert.Equal([added.Thumbprint], store.Policy().CustomTrustStore.Select(c => c.Thumbprint));
        Assert.Equal(3, store.Loads);
        _ = store.Policy();
        Assert.Equal(3, store.Loads);
    }

    [Fact]
    public void A_link_to_the_bundle_is_followed_for_its_modification_time()
    {
        using var first = TestCertificates.Create("a.example");
        using var second = TestCertificates.Create("b.example");
        var target = WritePem("ca-certificates.crt", first);
        var link = Path.Combine(_dir, "cert.pem");
        File.CreateSymbolicLink(link, target); // as Debian's /usr/lib/ssl/cert.pem
        var store = new SystemTrustStore(link, []);
        _ = store.Policy();

        File.WriteAllText(target, second.ExportCertificatePem());
        File.SetLastWriteTimeUtc(target, DateTime.UtcNow.AddMinutes(1));

        Assert.Equal([second.Thumbprint], store.Policy().CustomTrustStore.Select(c => c.Thumbprint));
        Assert.Equal(2, store.Loads);
    }

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
    }

    private string WritePem(string name, X509Certificate2 certificate)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, certificate.ExportCertificatePem());
        return path;
    }

    private static string PemEncodingLabel(string label, byte[] der) =>
        new StringBuilder().Append("-----BEGIN ").Append(label).Append("-----\n")
            .Append(Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks)).Append("\n-----END ").Append(label).Append("-----\n")
            .ToString();

    private static ScriptedServer TlsServer(X509Certificate2 certificate) => new(async (c, ct) =>
    {
        while (await c.ReadRequestAsync(ct) is not null)
        {
            await c.RespondAsync("{\"status\":\"ok\"}", ct);
        }
    }, TestCertificates.ServerTls(certificate));
}
