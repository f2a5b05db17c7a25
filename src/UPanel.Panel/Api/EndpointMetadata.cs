using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using UPanel.Contracts;

namespace UPanel.Panel.Api;

/// <summary>
/// OpenAPI metadata the handlers' signatures cannot carry: bodies they read and validate themselves, and the
/// statuses of their <see cref="ErrorResult"/>s.
/// </summary>
internal static class EndpointMetadata
{
    /// <remarks>
    /// This metadata also makes routing answer 415 for another Content-Type before the handler runs (the
    /// status-code page gives it the usual error body); <paramref name="optional"/> lets a request omit the body.
    /// </remarks>
    public static IEndpointConventionBuilder AcceptsJson<TBody>(this IEndpointConventionBuilder builder, bool optional = false) =>
        builder.WithMetadata(new AcceptsMetadata(["application/json"], typeof(TBody), optional));

    public static TBuilder ReturnsErrors<TBuilder>(this TBuilder builder, params int[] statuses)
        where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses)
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(ErrorResponse), ["application/json"]));
        }

        return builder;
    }
}
