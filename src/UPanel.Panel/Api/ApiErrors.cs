using Microsoft.AspNetCore.Http;
using UPanel.Contracts;

namespace UPanel.Panel.Api;

/// <summary>Every error leaves as an <see cref="ErrorResponse"/>; every auth failure as the same 401.</summary>
internal static class ApiErrors
{
    public const string UnauthorizedMessage = "missing, invalid, expired or revoked token";

    public static Task WriteAsync(HttpContext context, int status, string error, string? field = null)
    {
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status413PayloadTooLarge)
        {
            // The rest of the body stays unread, so the connection cannot carry another request: say so, or a
            // client reusing it would see its next request fail.
            context.Response.Headers.Connection = "close";
        }

        return context.Response.WriteAsJsonAsync(
            new ErrorResponse { Error = error, Field = field },
            ContractsJsonContext.Default.ErrorResponse,
            contentType: null,
            context.RequestAborted);
    }

    public static Task WriteAsync(HttpContext context, ApiError error) => WriteAsync(context, error.Status, error.Message, error.Field);

    /// <summary>
    /// Statuses decided before a handler runs (unknown route 404, wrong method 405, the endpoint's content-type
    /// check 415) get the same <see cref="ErrorResponse"/> body as everything else.
    /// </summary>
    public static Task WriteStatusCodePageAsync(HttpContext context) => context.Response.StatusCode switch
    {
        StatusCodes.Status415UnsupportedMediaType => WriteAsync(context, 415, "Content-Type must be application/json (UTF-8)", "Content-Type"),
        StatusCodes.Status404NotFound => WriteAsync(context, 404, "no such endpoint"),
        StatusCodes.Status405MethodNotAllowed => WriteAsync(context, 405, "method not allowed"),
        var status => WriteAsync(context, status, "request refused"),
    };

    /// <summary>Identical for an absent, unknown, expired, revoked or superseded token: nothing to learn from it.</summary>
    public static Task UnauthorizedAsync(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return WriteAsync(context, StatusCodes.Status401Unauthorized, UnauthorizedMessage);
    }
}
