// OptionParsers — parsers for option values that need more than a type conversion. They report a bad value as a parse
// error naming the option (exit 2, one line); a validator on the converted value would instead throw when the
// conversion itself failed ("--size many"), which is why the checks live in the parser.
using System.CommandLine.Parsing;
using System.Globalization;

namespace InterpEval.Harness.Commands;

internal static class OptionParsers
{
    /// <summary>A whole number ≥ 1 (thread counts, sizes, repeats).</summary>
    public static Func<ArgumentResult, int> PositiveInt(string optionName) => result =>
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
        {
            result.AddError($"{optionName}: '{text}' is not a whole number");
            return 0;
        }
        if (value < 1) result.AddError($"{optionName} must be at least 1 (got {value})");
        return value;
    };

    /// <summary>A whole number from 1 to max (a thread count: 10⁵ threads hang libtorch's pool before any work).</summary>
    public static Func<ArgumentResult, int> IntInRange(string optionName, int max, string why) => result =>
    {
        int value = PositiveInt(optionName)(result);
        if (value > max) result.AddError($"{optionName} is {value} — at most {max} on this machine ({why})");
        return value;
    };
}
