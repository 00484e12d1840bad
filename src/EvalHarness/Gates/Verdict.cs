// Verdict — what the gate concluded about one metric against its baseline. Regressed fails the gate; Missing fails it
// when the gate is told to (the default). It says nothing about how a verdict is displayed.
namespace InterpEval.Harness.Gates;

public enum Verdict
{
    /// <summary>Within tolerance of the baseline (or the metric has no better side).</summary>
    Same,

    /// <summary>Moved past the tolerance in the better direction.</summary>
    Improved,

    /// <summary>Moved past the tolerance in the worse direction, or became NaN.</summary>
    Regressed,

    /// <summary>In the run, not in the baseline.</summary>
    New,

    /// <summary>In the baseline (for a suite and subject that ran), not in the run.</summary>
    Missing,
}

public static class Verdicts
{
    /// <summary>The lower-case name used in files (same, improved, regressed, new, missing).</summary>
    public static string Name(this Verdict v) => v switch
    {
        Verdict.Same => "same",
        Verdict.Improved => "improved",
        Verdict.Regressed => "regressed",
        Verdict.New => "new",
        _ => "missing",
    };

    public static bool TryParse(string s, out Verdict v)
    {
        foreach (Verdict candidate in Enum.GetValues<Verdict>())
        {
            if (candidate.Name() != s) continue;
            v = candidate;
            return true;
        }
        v = Verdict.Same;
        return false;
    }
}
