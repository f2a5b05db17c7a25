namespace UPanel.Panel.Hosting;

/// <summary>A setting or argument the user must fix; the message names it and the fix.</summary>
internal sealed class PanelUsageException(string message) : Exception(message);
