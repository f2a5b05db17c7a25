using System.Formats.Asn1;
using System.Text;

namespace UPanel.Agent.Http;

/// <summary>
/// One certificate of the system store as read from its file: its DER bytes and its subject's and issuer's names in a
/// loose form for matching (<see cref="NameKey"/>), read in managed code. OpenSSL parses only the few a chain can use
/// (docs/decisions/trust-store-read-once.md): parsing the whole store there left about 0.6 MiB of its caches and
/// fragmented heap behind after the certificates were freed.
/// </summary>
internal sealed record StoreCertificate(byte[] Der, string Subject, string Issuer)
{
    /// <summary>The certificate's names, or null when <paramref name="der"/> is not an X.509 certificate's outer shape.</summary>
    public static StoreCertificate? TryRead(byte[] der)
    {
        try
        {
            var certificate = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
            var tbs = certificate.ReadSequence();
            if (tbs.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
            {
                _ = tbs.ReadEncodedValue(); // version
            }

            _ = tbs.ReadEncodedValue(); // serialNumber
            _ = tbs.ReadEncodedValue(); // signature algorithm
            var issuer = tbs.ReadEncodedValue();
            _ = tbs.ReadEncodedValue(); // validity
            var subject = tbs.ReadEncodedValue();
            return new StoreCertificate(der, NameKey(subject.Span), NameKey(issuer.Span));
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    /// <summary>
    /// A distinguished name (DER) as a key that two encodings of the same name share, in the spirit of OpenSSL's
    /// canonical form: each attribute's OID and its string value trimmed, inner white space collapsed and lower-cased,
    /// whatever the string type; any other value as its bytes. Looser than OpenSSL's where they differ (it lower-cases
    /// ASCII only), so it can find a candidate too many, which chain building then ignores, and the caller falls back to
    /// the whole store when a chain does not validate with the candidates.
    /// </summary>
    public static string NameKey(ReadOnlySpan<byte> name)
    {
        try
        {
            var key = new StringBuilder();
            var sequence = new AsnReader(name.ToArray(), AsnEncodingRules.BER).ReadSequence();
            while (sequence.HasData)
            {
                var set = sequence.ReadSetOf(skipSortOrderValidation: true);
                _ = key.Append('/');
                while (set.HasData)
                {
                    var attribute = set.ReadSequence();
                    _ = key.Append(attribute.ReadObjectIdentifier()).Append('=');
                    var value = attribute.ReadEncodedValue();
                    _ = key.Append(Text(value) ?? "#" + Convert.ToHexString(value.Span)).Append('+');
                }
            }

            return key.ToString();
        }
        catch (AsnContentException)
        {
            return "#" + Convert.ToHexString(name);
        }
    }

    private static string? Text(ReadOnlyMemory<byte> value)
    {
        var reader = new AsnReader(value, AsnEncodingRules.BER);
        var tag = reader.PeekTag();
        if (tag.TagClass != TagClass.Universal)
        {
            return null;
        }

        try
        {
            var text = (UniversalTagNumber)tag.TagValue switch
            {
                UniversalTagNumber.UTF8String or UniversalTagNumber.PrintableString or UniversalTagNumber.IA5String
                    or UniversalTagNumber.VisibleString or UniversalTagNumber.BMPString or UniversalTagNumber.UniversalString
                    or UniversalTagNumber.T61String or UniversalTagNumber.NumericString
                    => reader.ReadCharacterString((UniversalTagNumber)tag.TagValue),
                _ => null,
            };
            return text is null ? null : string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();
        }
        catch (Exception e) when (e is AsnContentException or ArgumentException)
        {
            return null;
        }
    }
}
