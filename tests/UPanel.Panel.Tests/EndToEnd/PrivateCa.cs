using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace UPanel.Panel.Tests.EndToEnd;

/// <summary>
/// A private certificate authority, as a company runs for its internal panel: a self-signed root, and server
/// certificates it signs. The agent trusts only the root (SSL_CERT_FILE), never the server certificate itself.
/// </summary>
internal sealed class PrivateCa : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _root;

    public PrivateCa()
    {
        var request = new CertificateRequest("CN=UPanel test private CA", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _root = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(2));
    }

    /// <summary>The root certificate as PEM, for SSL_CERT_FILE.</summary>
    public string RootPem => _root.ExportCertificatePem();

    /// <summary>A server certificate for <paramref name="dnsName"/> (and 127.0.0.1), with its private key.</summary>
    public X509Certificate2 Issue(string dnsName) => Issue(dnsName, _root, caIssuers: null);

    /// <summary>
    /// A server certificate for <paramref name="dnsName"/> (and 127.0.0.1) signed by an intermediate CA that the root
    /// signed, as public CAs issue them, and the intermediate (DER). The server certificate's AIA extension names
    /// <paramref name="caIssuers"/> as where the intermediate can be downloaded.
    /// </summary>
    public (X509Certificate2 Server, byte[] Intermediate) IssueBelowIntermediate(string dnsName, Uri caIssuers)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=UPanel test intermediate CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_root, true, false));
        using var signed = request.Create(_root, DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(1.5), Serial());
        using var intermediate = signed.CopyWithPrivateKey(key);
        return (Issue(dnsName, intermediate, caIssuers), intermediate.RawData);
    }

    private static X509Certificate2 Issue(string dnsName, X509Certificate2 issuer, Uri? caIssuers)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dnsName);
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        if (caIssuers is not null)
        {
            request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension(null, [caIssuers.ToString()]));
        }

        using var issued = request.Create(issuer, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), Serial());
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    private static byte[] Serial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        return serial;
    }

    public void Dispose()
    {
        _root.Dispose();
        _key.Dispose();
    }
}
