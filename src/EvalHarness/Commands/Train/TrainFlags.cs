// TrainFlags — which `train` flag sets which field of what to train (the run config's names, as Interp's messages give
// them), so a fault in a value the user typed as a flag names the flag. It parses nothing.
using InterpEval.Interp.Training;

namespace InterpEval.Harness.Commands.Train;

public static class TrainFlags
{
    private static readonly Dictionary<string, string> ByField = new(StringComparer.Ordinal)
    {
        ["kind"] = "--kind",
        ["architecture"] = "--arch",
        ["width"] = "--width",
        ["k"] = "--k",
        ["sparsity_coefficient"] = "--l1",
        ["hook"] = "--hook",
        ["hook_out"] = "--hook-out",
        ["threshold_init"] = "--threshold-init",
        ["bandwidth"] = "--bandwidth",
        ["sparsity_loss"] = "--sparsity-loss",
        ["tanh_c"] = "--tanh-c",
        ["pre_act_coefficient"] = "--pre-act",
        ["learning_rate"] = "--lr",
    };

    /// <summary>The flag of a config field; null for a field `train` has no flag for.</summary>
    public static string? Of(string field) => ByField.GetValueOrDefault(field);

    /// <summary>The fault's message with its fields named by their flags.</summary>
    public static string Reword(SpecFieldException fault) => fault.Reword(Of);
}
