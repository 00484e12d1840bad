// JumpReluOptions — the JumpReLU knobs a user sets when training (the run config's dictionary fields threshold_init,
// bandwidth, sparsity_loss, tanh_c, pre_act_coefficient, or train's flags for them): each null keeps the dictionary's
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

    /// <summary>The first option set, by its config field name (for "applies to jumprelu only" messages); null when none.</summary>
    public string? FirstSet() =>
        ThresholdInit is not null ? "threshold_init" : Bandwidth is not null ? "bandwidth" : SparsityLoss is not null ? "sparsity_loss"
        : TanhC is not null ? "tanh_c" : PreActCoefficient is not null ? "pre_act_coefficient" : null;

    /// <summary>Sets every given knob on a jumprelu dictionary; any knob set on another architecture is an error.</summary>
    public void ApplyTo(SparseDictionary d)
    {
        if (d is JumpReluDictionary j) Apply(j);
        else if (FirstSet() is { } option) throw new SpecFieldException($"{option} applies to jumprelu dictionaries (sae, transcoder, skip-transcoder), not {d.Config.Architecture}", option);
    }

    /// <summary>Sets every given knob on d; SpecFieldException naming the field for a bad value.</summary>
    public void Apply(JumpReluDictionary d)
    {
        if (ThresholdInit is double t)
        {
            if (!(t > 0) || !double.IsFinite(t)) throw new SpecFieldException($"threshold_init is {Show(t)} — expected a positive number", "threshold_init");
            using (Autograd.NoGrad()) d.LogThreshold.Fill_(Math.Log(t));
        }
        if (Bandwidth is double e)
        {
            if (!(e > 0) || !double.IsFinite(e)) throw new SpecFieldException($"bandwidth is {Show(e)} — expected a positive number", "bandwidth");
            d.Bandwidth = e;
        }
        if (SparsityLoss is string loss)
            d.Penalty = loss switch
            {
                "l0" => JumpReluPenalty.L0,
                "tanh" => JumpReluPenalty.Tanh,
                _ => throw new SpecFieldException($"sparsity_loss is '{loss}' — expected {string.Join(" or ", SparsityLosses)}", "sparsity_loss"),
            };
        if (TanhC is double c)
        {
            if (!(c > 0) || !double.IsFinite(c)) throw new SpecFieldException($"tanh_c is {Show(c)} — expected a positive number", "tanh_c");
            if (d.Penalty != JumpReluPenalty.Tanh) throw new SpecFieldException("tanh_c applies to sparsity_loss tanh", "tanh_c", "sparsity_loss");
            d.TanhScale = c;
        }
        if (PreActCoefficient is double p)
        {
            if (!(p >= 0) || !double.IsFinite(p)) throw new SpecFieldException($"pre_act_coefficient is {Show(p)} — expected a number ≥ 0", "pre_act_coefficient");
            d.PreActCoefficient = p;
        }
    }

    private static string Show(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
