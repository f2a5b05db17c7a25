using UPanel.Contracts;

namespace UPanel.Panel.Api;

/// <summary>Field checks shared by the validators; each returns null when the value is fine.</summary>
internal static class Checks
{
    /// <summary>1 PiB in MiB / 1 EiB in GiB: far beyond any host, small enough to catch garbage.</summary>
    public const long MaxMebibytes = 1L << 30;

    public const long MaxGibibytes = 1L << 30;

    public static ApiError? Text(FieldName field, string? value, int maxLength, bool required = true)
    {
        if (value is null)
        {
            return required ? ApiError.BadField(field.ToString(), "required") : null;
        }

        if (required && value.Length == 0)
        {
            return ApiError.BadField(field.ToString(), "must not be empty");
        }

        if (value.Length > maxLength)
        {
            return ApiError.BadField(field.ToString(), $"longer than {maxLength} characters");
        }

        if (WireText.HasUnsafe(value))
        {
            // Format characters too: a right-to-left override in a container name would reverse the page around it.
            return ApiError.BadField(field.ToString(), "contains control or format characters");
        }

        return null;
    }

    public static ApiError? Range(FieldName field, long? value, long min, long max) =>
        value is { } v && (v < min || v > max) ? ApiError.BadField(field.ToString(), $"must be between {min} and {max}") : null;

    public static ApiError? Range(FieldName field, double? value, double min, double max) =>
        value is { } v && (!double.IsFinite(v) || v < min || v > max) ? ApiError.BadField(field.ToString(), $"must be a finite number between {min} and {max}") : null;

    public static ApiError? NotAbove(FieldName field, long? used, long? total, string totalField) =>
        used is { } u && total is { } t && u > t ? ApiError.BadField(field.ToString(), $"must not exceed {totalField}") : null;
}
