using System.Buffers;
using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace UPanel.Panel.Api;

/// <summary>
/// Reads a JSON request body under a size cap: 415 for anything but application/json (UTF-8), 413 past the cap,
/// gzip accepted and capped after decompression too.
/// </summary>
internal static class RequestBody
{
    public static async Task<(byte[]? Body, ApiError? Error)> ReadJsonAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !string.Equals(mediaType.MediaType.Value, "application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.Charset.HasValue && !string.Equals(HeaderUtilities.RemoveQuotes(mediaType.Charset).Value, "utf-8", StringComparison.OrdinalIgnoreCase)))
        {
            return (null, new ApiError(StatusCodes.Status415UnsupportedMediaType, "Content-Type must be application/json (UTF-8)", "Content-Type"));
        }

        var encoding = request.Headers.ContentEncoding.ToString();
        var gzip = string.Equals(encoding, "gzip", StringComparison.OrdinalIgnoreCase);
        if (!gzip && encoding.Length > 0 && !string.Equals(encoding, "identity", StringComparison.OrdinalIgnoreCase))
        {
            return (null, new ApiError(StatusCodes.Status415UnsupportedMediaType, "Content-Encoding must be gzip or absent", "Content-Encoding"));
        }

        if (request.ContentLength > maxBytes)
        {
            await DrainAsync(request.Body, maxBytes, cancellationToken);
            return (null, TooLarge(maxBytes));
        }

        if (request.ContentLength == 0)
        {
            return (null, Empty);
        }

        try
        {
            if (!gzip && request.ContentLength is { } length)
            {
                // The length is known and within the cap (an agent's heartbeat): read it into an array of that size, not
                // through a growing buffer (docs/decisions/ingest-throughput.md). Kestrel ends the body at that length.
                var body = new byte[length];
                await request.Body.ReadExactlyAsync(body, cancellationToken);
                return (body, null);
            }

            return await ReadStreamAsync(request, gzip, maxBytes, cancellationToken);
        }
        catch (InvalidDataException)
        {
            return (null, new ApiError(StatusCodes.Status400BadRequest, "the body is not valid gzip", "Content-Encoding"));
        }
        catch (EndOfStreamException)
        {
            return (null, new ApiError(StatusCodes.Status400BadRequest, "malformed request body"));
        }
        catch (BadHttpRequestException exception)
        {
            // Kestrel's own limits (MaxRequestBodySize on a chunked body, a malformed chunk): keep its status.
            return (null, new ApiError(exception.StatusCode, exception.StatusCode == 413 ? $"the body is larger than {maxBytes} bytes" : "malformed request body"));
        }
    }

    /// <summary>A gzip body, or one of unknown length (chunked): read until it ends, the cap checked as it grows.</summary>
    private static async Task<(byte[]? Body, ApiError? Error)> ReadStreamAsync(HttpRequest request, bool gzip, long maxBytes, CancellationToken cancellationToken)
    {
        Stream source = request.Body;
        await using var decompressed = gzip ? new GZipStream(source, CompressionMode.Decompress, leaveOpen: true) : null;
        source = decompressed ?? source;
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (true)
            {
                var read = await source.ReadAsync(chunk, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                if (buffer.Length + read > maxBytes)
                {
                    await DrainAsync(request.Body, maxBytes, cancellationToken);
                    return (null, TooLarge(maxBytes));
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.Length == 0 ? (null, Empty) : (buffer.ToArray(), null);
    }

    private static ApiError Empty => new(StatusCodes.Status400BadRequest, "the body is empty; send a JSON object");

    /// <summary>How much of an oversized body is read and discarded so the client can finish sending and read the 413.</summary>
    public static long DrainLimit(long maxBytes) => maxBytes * 8;

    /// <summary>
    /// A client that is still sending when the server answers and closes gets a broken pipe instead of the 413, and
    /// would retry rather than drop the body. Up to <see cref="DrainLimit"/> is read and thrown away first; past
    /// that, Kestrel's own limit cuts the connection.
    /// </summary>
    private static async Task DrainAsync(Stream body, long maxBytes, CancellationToken cancellationToken)
    {
        var chunk = new byte[16 * 1024];
        long drained = 0;
        try
        {
            int read;
            while (drained <= DrainLimit(maxBytes) && (read = await body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                drained += read;
            }
        }
        catch (BadHttpRequestException)
        {
        }
    }

    private static ApiError TooLarge(long maxBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, $"the body is larger than {maxBytes} bytes");
}
