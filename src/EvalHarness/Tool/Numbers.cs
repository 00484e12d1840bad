// Numbers — the one way this tool writes a number for people (tables, messages, Markdown, HTML): invariant culture,
// six significant digits, explicit signs for deltas. Machine formats (JSON, CSV) write round-trip values instead.
using System.Globalization;

namespace InterpEval.Harness.Tool;

public static class Numbers
{
    /// <summary>A value for display: six significant digits, invariant culture ("0.123457", "1.5e-07", "NaN").</summary>
    public static string Format(double value) =>
        double.IsNaN(value) ? "NaN" : value.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>A delta for display, always signed ("+0.0123", "-4", "±0" is written "+0").</summary>
    public static string Signed(double value) =>
        double.IsNaN(value) ? "NaN" : (value >= 0 ? "+" : "") + value.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>A value that reads back exactly (JSON strings, CSV cells).</summary>
    public static string RoundTrip(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>An optional value for display, "" when absent.</summary>
    public static string Format(double? value) => value is { } v ? Format(v) : "";
}
