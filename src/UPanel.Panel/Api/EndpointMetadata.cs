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
    public static IEndpointConventionBuilder AcceptsJson<TBody>(this IEndpointConventionBuilder builder) =>
        builder.WithMetadata(new AcceptsMetadata(["application/json"], typeof(TBody)));

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
