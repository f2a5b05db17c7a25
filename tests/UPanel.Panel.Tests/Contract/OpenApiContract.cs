using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using UPanel.Panel.Tests.Infrastructure;

namespace UPanel.Panel.Tests.Contract;

/// <summary>
/// docs/openapi.json as a validator (JSON Schema 2020-12, which OpenAPI 3.1 schemas are), made strict: an object may
/// carry only the properties its schema lists, so a field sent or answered without being documented fails too, and
/// <c>date-time</c> is checked. Both sides of the agent API are held to the committed document this way.
/// </summary>
internal static class OpenApiContract
{
    private static readonly Lazy<JsonObject> Document = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "openapi.json")))!.AsObject());

    private static readonly ConcurrentDictionary<string, JsonSchema> Validators = new();

    /// <summary>The component schemas as committed (not made strict).</summary>
    public static JsonObject Schemas => Document.Value["components"]!["schemas"]!.AsObject();

    /// <summary>The properties a component schema lists.</summary>
    public static IReadOnlyList<string> Properties(string schema) =>
        [.. Schemas[schema]!["properties"]!.AsObject().Select(p => p.Key)];

    /// <summary>The schema the document names for an answer of <paramref name="status"/>; fails when it names none.</summary>
    public static string ResponseSchema(string path, int status)
    {
        var responses = Document.Value["paths"]![path]!["post"]!["responses"]!.AsObject();
        Assert.True(responses.ContainsKey($"{status}"), $"docs/openapi.json documents no {status} answer for {path}");
        var reference = responses[$"{status}"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>();
        return reference["#/components/schemas/".Length..];
    }

    /// <summary>Every way <paramref name="json"/> breaks the schema, as "location: reason"; empty when it validates.</summary>
    public static IReadOnlyList<string> Errors(string schema, string json)
    {
        using var document = JsonDocument.Parse(json);
        var results = Validators.GetOrAdd(schema, Build).Evaluate(
            document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        return results.IsValid
            ? []
            : [.. (results.Details ?? [results])
                .Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))
                .Distinct()];
    }

    public static void AssertValid(string schema, string json, string what)
    {
        var errors = Errors(schema, json);
        Assert.True(errors.Count == 0, $"{what} does not follow docs/openapi.json ({schema}):\n{string.Join("\n", errors)}\n{json}");
    }

    private static JsonSchema Build(string schema)
    {
        var definitions = Schemas.DeepClone().AsObject();
        foreach (var (_, definition) in definitions)
        {
            Strict(definition!);
        }

        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$defs"] = definitions,
            ["$ref"] = $"#/$defs/{schema}",
        };
        var text = root.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
        return JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() }, new Uri($"https://contract.upanel.invalid/{schema}"));
    }

    private static void Strict(JsonNode node)
    {
        if (node is JsonObject schema)
        {
            if (schema["properties"] is JsonObject properties)
            {
                schema["additionalProperties"] = false;
                foreach (var (_, property) in properties)
                {
                    Strict(property!);
                }
            }

            if (schema["items"] is { } items)
            {
                Strict(items);
            }

            // Numeric formats are OpenAPI's, not JSON Schema's: int32 becomes its bounds, the types already say the rest.
            if (schema["format"] is JsonValue format && format.GetValue<string>() is "int32" or "int64" or "double")
            {
                if (format.GetValue<string>() == "int32")
                {
                    schema["minimum"] = int.MinValue;
                    schema["maximum"] = int.MaxValue;
                }

                schema.Remove("format");
            }
        }
    }
}
