namespace UPanel.Panel.Api.Admin;

/// <summary>An alert's delivery log, oldest first (empty: muted, or no channel when it was recorded).</summary>
internal sealed record DeliveryList(long AlertId, IReadOnlyList<DeliveryView> Deliveries);
