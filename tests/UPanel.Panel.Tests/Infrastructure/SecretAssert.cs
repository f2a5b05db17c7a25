namespace UPanel.Panel.Tests.Infrastructure;

/// <summary>Assertions on tokens that never print them: a failing Assert.Equal would put both tokens in the test output.</summary>
internal static class SecretAssert
{
    public static void Same(string? expected, string? actual, string what)
    {
        if (!string.Equals(expected, actual, StringComparison.Ordinal))
        {
            throw new Xunit.Sdk.XunitException(
                $"{what}: expected a token of {expected?.Length.ToString() ?? "no"} characters, got " +
                $"{(actual is null ? "none" : "a different one of " + actual.Length + " characters")}");
        }
    }
}
