// SpecFieldException — a bad value in what to train (TrainableSpec, JumpReluOptions), its message naming the fields at
// fault as the run config spells them (sparsity_coefficient, hook_out, …) and listing them, so a front end that took
// them as command-line flags can reword the message with its own names. It knows no flag.
using System.Text.RegularExpressions;

namespace InterpEval.Interp.Training;

public sealed class SpecFieldException(string message, params string[] fields) : ArgumentException(message)
{
    /// <summary>The config field names the message mentions as fields (kind, architecture, width, k, sparsity_coefficient,
    /// hook, hook_out, threshold_init, bandwidth, sparsity_loss, tanh_c, pre_act_coefficient).</summary>
    public IReadOnlyList<string> Fields { get; } = fields;

    /// <summary>The message with each of Fields (as a whole word) replaced by name(field); fields name maps to null keep
    /// their config name.</summary>
    public string Reword(Func<string, string?> name)
    {
        string text = Message;
        foreach (string field in Fields.OrderByDescending(f => f.Length))
            if (name(field) is { } replacement)
                text = Regex.Replace(text, $@"(?<![\w-]){Regex.Escape(field)}(?![\w-])", replacement.Replace("$", "$$", StringComparison.Ordinal));
        return text;
    }
}
