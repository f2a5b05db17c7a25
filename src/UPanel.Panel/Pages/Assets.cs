using Microsoft.AspNetCore.Http;

namespace UPanel.Panel.Pages;

/// <summary>
/// The pages' scripts and styles, embedded in the panel (no CDN, no build step): uPlot 1.6.32 from npm with its
/// licence (Pages/Assets/uPlot.LICENSE), and the panel's own panel.js, panel.css and favicon.svg.
/// </summary>
internal static class Assets
{
    private static readonly Dictionary<string, (byte[] Content, string Type)> Files = Load();

    public static IResult Serve(string name, HttpContext context)
    {
        if (!Files.TryGetValue(name, out var file))
        {
            return TypedResults.NotFound();
        }

        context.Response.Headers.CacheControl = "public, max-age=300";
        return TypedResults.Bytes(file.Content, file.Type);
    }

    private static Dictionary<string, (byte[], string)> Load()
    {
        var assembly = typeof(Assets).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("assets/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            var name = resource["assets/".Length..];
            var type = Path.GetExtension(name) switch
            {
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "text/plain; charset=utf-8",
            };
            files[name] = (memory.ToArray(), type);
        }

        return files;
    }
}
