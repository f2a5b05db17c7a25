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
        return context.Response.WriteAsJsonAsync(
            new ErrorResponse { Error = error, Field = field },
            ContractsJsonContext.Default.ErrorResponse,
            contentType: null,
            context.RequestAborted);
    }

    public static Task WriteAsync(HttpContext context, ApiError error) => WriteAsync(context, error.Status, error.Message, error.Field);

    /// <summary>Identical for an absent, unknown, expired, revoked or superseded token: nothing to learn from it.</summary>
    public static Task UnauthorizedAsync(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return WriteAsync(context, StatusCodes.Status401Unauthorized, UnauthorizedMessage);
    }
}
