// JumpReluOptions — the JumpReLU knobs a user sets when training (--threshold-init, --bandwidth, --sparsity-loss,
// --tanh-c, --pre-act, or the run config's dictionary fields of the same names): each null keeps the dictionary's
// default. Apply puts them on a fresh dictionary; the coefficient λ itself is TrainableSpec.SparsityCoefficient.
using System.Globalization;
using InterpEval.Interp.Dictionaries;

namespace InterpEval.Interp.Training;

/// <param name="ThresholdInit">θ₀ for every latent (default JumpReluDictionary.DefaultThresholdInit).</param>
/// <param name="Bandwidth">ε of the straight-through estimator's rectangle kernel (default JumpReluDictionary.DefaultBandwidth).</param>
/// <param name="SparsityLoss">"l0" (Rajamanoharan et al. 2024) or "tanh" (Anthropic, January 2025).</param>
/// <param name="TanhC">c in tanh(c·|fᵢ|·‖W_dec,i‖) (default 4).</param>
/// <param name="PreActCoefficient">λ_P of the pre-activation penalty (default 0 = off; Anthropic used 3e-6).</param>
public sealed record JumpReluOptions(double? ThresholdInit = null, double? Bandwidth = null, string? SparsityLoss = null,
    double? TanhC = null, double? PreActCoefficient = null)
{
    /// <summary>The sparsity-loss names, for options and messages.</summary>
    public static readonly IReadOnlyList<string> SparsityLosses = ["l0", "tanh"];

    /// <summary>True when no knob is set.</summary>
    public bool IsEmpty => this == new JumpReluOptions();

    /// <summary>The first option set, by its CLI name (for "applies to jumprelu only" messages); null when none.</summary>
    public string? FirstSet() =>
        ThresholdInit is not null ? "--threshold-init" : Bandwidth is not null ? "--bandwidth" : SparsityLoss is not null ? "--sparsity-loss"
        : TanhC is not null ? "--tanh-c" : PreActCoefficient is not null ? "--pre-act" : null;

    /// <summary>Sets every given knob on a jumprelu dictionary; any knob set on another architecture is an error.</summary>
    public void ApplyTo(SparseDictionary d)
    {
        if (d is JumpReluDictionary j) Apply(j);
        else if (FirstSet() is { } option) throw new ArgumentException($"{option} applies to jumprelu dictionaries, not {d.Config.Architecture}");
    }

    /// <summary>Sets every given knob on d; ArgumentException naming the option for a bad value.</summary>
    public void Apply(JumpReluDictionary d)
    {
        if (ThresholdInit is double t)
        {
            if (!(t > 0) || !double.IsFinite(t)) throw new ArgumentException($"--threshold-init is {Show(t)} — expected a positive number");
            using (Autograd.NoGrad()) d.LogThreshold.Fill_(Math.Log(t));
        }
        if (Bandwidth is double e)
        {
            if (!(e > 0) || !double.IsFinite(e)) throw new ArgumentException($"--bandwidth is {Show(e)} — expected a positive number");
            d.Bandwidth = e;
        }
        if (SparsityLoss is string loss)
            d.Penalty = loss switch
            {
                "l0" => JumpReluPenalty.L0,
                "tanh" => JumpReluPenalty.Tanh,
                _ => throw new ArgumentException($"--sparsity-loss is '{loss}' — expected {string.Join(" or ", SparsityLosses)}"),
            };
        if (TanhC is double c)
        {
            if (!(c > 0) || !double.IsFinite(c)) throw new ArgumentException($"--tanh-c is {Show(c)} — expected a positive number");
            if (d.Penalty != JumpReluPenalty.Tanh) throw new ArgumentException("--tanh-c applies to --sparsity-loss tanh");
            d.TanhScale = c;
        }
        if (PreActCoefficient is double p)
        {
            if (!(p >= 0) || !double.IsFinite(p)) throw new ArgumentException($"--pre-act is {Show(p)} — expected a number ≥ 0");
            d.PreActCoefficient = p;
        }
    }

    private static string Show(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
