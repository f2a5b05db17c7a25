namespace UPanel.Panel.Api.Admin;

/// <summary>The mutes not yet ended, soonest end first.</summary>
internal sealed record MuteList(IReadOnlyList<MuteView> Mutes);
