using System.Text.Json;
using UPanel.Contracts;

namespace UPanel.Panel.Api;

/// <summary>Turns a deserialisation failure into a message naming the field, without .NET type names.</summary>
internal static class JsonErrors
{
    public static ApiError Describe(JsonException exception)
    {
        var field = exception.Path is { Length: > 1 } path ? Clean(path.TrimStart('$').TrimStart('.')) : null;
        const string missing = "missing required properties including: ";
        var message = exception.Message;
        var at = message.IndexOf(missing, StringComparison.Ordinal);
        if (at >= 0)
        {
            var names = message[(at + missing.Length)..].Trim().TrimEnd('.');
            var first = Clean(names.Split(',')[0].Trim().Trim('\''));
            var name = field is null ? first : $"{field}.{first}";
            return new ApiError(400, $"{name}: required", name);
        }

        // JsonUnmappedMemberHandling.Disallow: "The JSON property 'name' could not be mapped to any .NET member ...".
        const string unmapped = "could not be mapped to any .NET member";
        if (message.Contains(unmapped, StringComparison.Ordinal) && message.Split('\'') is [_, var property, ..])
        {
            var name = Clean(property);
            return new ApiError(400, $"{name}: unknown field", name);
        }

        if (message.Contains("maximum configured depth", StringComparison.Ordinal))
        {
            return new ApiError(400, "JSON is nested too deeply", field);
        }

        return field is null
            ? new ApiError(400, "the body is not a valid JSON object of the expected shape")
            : new ApiError(400, $"{field}: invalid value or type (numbers must be JSON numbers, strings JSON strings)", field);
    }

    /// <summary>A path can carry a sender's property names: no control characters, bounded length (it reaches logs).</summary>
    private static string Clean(string text)
    {
        var clean = new string([.. text.Where(c => !WireText.IsUnsafe(c))]);
        return clean.Length > 128 ? clean[..128] + "..." : clean;
    }
}
