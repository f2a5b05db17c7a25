using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using UPanel.Contracts;

namespace UPanel.Panel.Api;

/// <summary>
/// OpenAPI metadata for endpoints mapped as plain <see cref="RequestDelegate"/>s (they read and validate their
/// bodies themselves, so the document is told the shapes explicitly).
/// </summary>
internal static class EndpointMetadata
{
    /// <summary>
    /// ApiExplorer (and so the OpenAPI document) lists only endpoints carrying a MethodInfo; plain request delegates
    /// get this neutral one, whose only parameter (HttpContext) it ignores.
    /// </summary>
    public static IEndpointConventionBuilder Described(this IEndpointConventionBuilder builder) =>
        builder.WithMetadata(typeof(EndpointMetadata).GetMethod(nameof(RequestDelegateShape))!);

    public static Task RequestDelegateShape(HttpContext context) => Task.CompletedTask;

    /// <remarks>
    /// This metadata also makes routing answer 415 for another Content-Type before the handler runs (the
    /// status-code page gives it the usual error body); <paramref name="optional"/> lets a request omit the body.
    /// </remarks>
    public static IEndpointConventionBuilder AcceptsJson<TBody>(this IEndpointConventionBuilder builder, bool optional = false) =>
        builder.WithMetadata(new AcceptsMetadata(["application/json"], typeof(TBody), optional));

    public static IEndpointConventionBuilder Returns<TResponse>(this IEndpointConventionBuilder builder, int status = StatusCodes.Status200OK) =>
        builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(TResponse), ["application/json"]));

    public static IEndpointConventionBuilder ReturnsErrors(this IEndpointConventionBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(ErrorResponse), ["application/json"]));
        }

        return builder;
    }
}
