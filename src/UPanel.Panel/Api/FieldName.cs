namespace UPanel.Panel.Api;

/// <summary>
/// The name of a checked field, spelled out only when a check fails: a heartbeat's 20 containers are checked field by
/// field, and formatting "containers[7].image" for each check that passes was a tenth of what a heartbeat allocated.
/// </summary>
internal readonly record struct FieldName(string List, int Index = -1, string? Member = null)
{
    public static implicit operator FieldName(string name) => new(name);

    /// <summary>The field <paramref name="member"/> of the list's item <paramref name="index"/>, or the item itself.</summary>
    public static FieldName Item(string list, int index, string? member = null) => new(list, index, member);

    public override string ToString() =>
        Index < 0 ? List : Member is null ? $"{List}[{Index}]" : $"{List}[{Index}].{Member}";
}
