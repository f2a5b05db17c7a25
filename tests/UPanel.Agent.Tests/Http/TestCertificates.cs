using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace UPanel.Agent.Tests.Http;

/// <summary>
/// Server certificates for local TLS servers (self-signed, or issued by a test CA and its intermediates), and the
/// client-side policy that trusts one.
/// </summary>
internal static class TestCertificates
{
    /// <summary>A self-signed ECDSA certificate for the given DNS names and IP addresses, with its private key.</summary>
    public static X509Certificate2 Create(params string[] names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = ServerRequest(key, names);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // A PKCS#12 round trip gives a certificate whose key SslStream can use on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>A TLS server certificate's request: CN the first name, every name a subject alternative name (an IP address or a DNS name).</summary>
    private static CertificateRequest ServerRequest(ECDsa key, params string[] names)
    {
        var request = new CertificateRequest($"CN={names[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var address))
            {
                san.AddIpAddress(address);
            }
            else
            {
                san.AddDnsName(name);
            }
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return request;
    }

    /// <summary>A CA certificate with its private key: a self-signed root, or an intermediate signed by <paramref name="issuer"/>.</summary>
    public static X509Certificate2 CreateCa(string name, X509Certificate2? issuer = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (issuer is null)
        {
            return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-3), DateTimeOffset.UtcNow.AddDays(3));
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var signed = request.Create(issuer, DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(2), Serial());
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>
    /// A server certificate for <paramref name="name"/> signed by <paramref name="issuer"/> (a CA of <see cref="CreateCa"/>),
    /// with its private key; valid until a day from now, or until <paramref name="notAfter"/>.
    /// </summary>
    public static X509Certificate2 Issue(X509Certificate2 issuer, string name, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = ServerRequest(key, name);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        var until = notAfter ?? DateTimeOffset.UtcNow.AddDays(1);
        using var issued = request.Create(issuer, until.AddDays(-1).AddMinutes(-5), until, Serial());
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Validation as usual, but with <paramref name="root"/> as the only trusted root.</summary>
    public static X509ChainPolicy Trusting(X509Certificate2 root)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificate(root.RawData));
        return policy;
    }

    /// <summary>
    /// Wraps a server connection in TLS with <paramref name="certificate"/>, sending the intermediates of
    /// <paramref name="chain"/> after it (none: only the certificate).
    /// </summary>
    public static Func<Stream, CancellationToken, Task<Stream>> ServerTls(X509Certificate2 certificate, params X509Certificate2[] chain) => async (stream, cancellationToken) =>
    {
        var tls = new SslStream(stream, leaveInnerStreamOpen: false);
        try
        {
            var options = chain.Length == 0
                ? new SslServerAuthenticationOptions { ServerCertificate = certificate }
                : new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = SslStreamCertificateContext.Create(certificate, [.. chain], offline: true),
                };
            await tls.AuthenticateAsServerAsync(options, cancellationToken);
            return tls;
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
    };

    private static byte[] Serial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        return serial;
    }
}
