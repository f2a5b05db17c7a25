using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using UPanel.Agent.Http;

namespace UPanel.Agent.Tests.Http;

/// <summary>The store's certificates read in managed code: their names, and the loose key that matches an issuer to a subject.</summary>
public sealed class StoreCertificateTests
{
    [Fact]
    public void Reads_the_subject_and_issuer_of_a_certificate_as_keys_of_its_names()
    {
        using var root = TestCertificates.CreateCa("Panel root");
        using var intermediate = TestCertificates.CreateCa("Panel intermediate", root);

        var read = StoreCertificate.TryRead(intermediate.RawData);

        Assert.NotNull(read);
        Assert.Equal(StoreCertificate.NameKey(intermediate.SubjectName.RawData), read.Subject);
        Assert.Equal(StoreCertificate.NameKey(root.SubjectName.RawData), read.Issuer);
        Assert.NotEqual(read.Subject, read.Issuer);
        Assert.Equal(intermediate.RawData, read.Der);
    }

    [Fact]
    public void Anything_else_is_not_a_certificate()
    {
        Assert.Null(StoreCertificate.TryRead("not a certificate\n"u8.ToArray()));
        Assert.Null(StoreCertificate.TryRead([0x30, 0x03, 0x02, 0x01, 0x01]));
    }

    [Fact]
    public void A_name_in_another_string_type_case_or_spacing_has_the_same_key_and_another_name_another()
    {
        var utf8 = Name("Example  CA ", UniversalTagNumber.UTF8String, "Example Org");
        var printable = Name("example ca", UniversalTagNumber.PrintableString, "EXAMPLE ORG");
        var other = Name("Example CA 2", UniversalTagNumber.UTF8String, "Example Org");

        Assert.Equal(StoreCertificate.NameKey(utf8.RawData), StoreCertificate.NameKey(printable.RawData));
        Assert.NotEqual(StoreCertificate.NameKey(utf8.RawData), StoreCertificate.NameKey(other.RawData));
    }

    private static X500DistinguishedName Name(string commonName, UniversalTagNumber type, string organization)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.Add("2.5.4.10", organization, type);
        builder.Add("2.5.4.3", commonName, type);
        return builder.Build();
    }
}
