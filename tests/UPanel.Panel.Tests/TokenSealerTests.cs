using System.Security.Cryptography;
using UPanel.Panel.Tokens;

namespace UPanel.Panel.Tests;

public sealed class TokenSealerTests
{
    [Fact]
    public void A_sealed_token_opens_only_with_its_key_and_for_its_server()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var token = Secrets.NewToken();

        var sealedToken = new TokenSealer(key).Seal(token, "server-a");

        Assert.DoesNotContain(token, sealedToken, StringComparison.Ordinal);
        Assert.Equal(token, new TokenSealer(key).Unseal(sealedToken, "server-a"));
        Assert.Null(new TokenSealer(key).Unseal(sealedToken, "server-b"));
        Assert.Null(new TokenSealer(RandomNumberGenerator.GetBytes(32)).Unseal(sealedToken, "server-a"));
        Assert.Null(new TokenSealer(key).Unseal("v1:not base64!", "server-a"));
        Assert.Null(new TokenSealer(key).Unseal("v2:AAAA", "server-a"));
    }

    [Fact]
    public void Tokens_are_64_alphanumeric_characters_and_hash_to_lowercase_sha256_hex()
    {
        var tokens = Enumerable.Range(0, 100).Select(_ => Secrets.NewToken()).ToList();

        Assert.All(tokens, t => Assert.Matches("^[A-Za-z0-9]{64}$", t));
        Assert.Equal(100, tokens.Distinct().Count());
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Secrets.Hash("abc"));
    }
}
