using Microsoft.AspNetCore.Http;

namespace UPanel.Panel.Api;

/// <summary>A refused request as a typed result: the same <c>ErrorResponse</c> body as every other error.</summary>
internal sealed class ErrorResult(ApiError error) : IResult
{
    public ApiError Error { get; } = error;

    public static ErrorResult NoSuchServer { get; } = new(new ApiError(StatusCodes.Status404NotFound, "no such server", "id"));

    public static ErrorResult Unauthorized { get; } = new(new ApiError(StatusCodes.Status401Unauthorized, ApiErrors.UnauthorizedMessage));

    public Task ExecuteAsync(HttpContext httpContext) =>
        Error.Status == StatusCodes.Status401Unauthorized ? ApiErrors.UnauthorizedAsync(httpContext) : ApiErrors.WriteAsync(httpContext, Error);
}
