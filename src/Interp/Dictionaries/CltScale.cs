// CltScale — the constant factors that bring a cross-layer transcoder's activations to E‖x‖² = d_model: one per input
// layer (the hook each encoder reads) and one per output layer (the hook each prediction targets), as ActivationScale
// is for a single-hook dictionary. Training runs on scaled activations; the factors are folded into the weights on save.
namespace InterpEval.Interp.Dictionaries;

/// <param name="Input">Factor s_in,l applied to encoder l's input, per layer.</param>
/// <param name="Output">Factor s_out,l applied to output layer l's target (predictions are divided by it), per layer.</param>
public sealed record CltScale(IReadOnlyList<double> Input, IReadOnlyList<double> Output)
{
    public static CltScale Identity(int layers) => new(Enumerable.Repeat(1.0, layers).ToArray(), Enumerable.Repeat(1.0, layers).ToArray());

    public bool IsIdentity => Input.All(s => s == 1) && Output.All(s => s == 1);

    /// <summary>Factors from samples [N, d] of every input and output hook (ActivationScale.Estimate on each).</summary>
    public static CltScale Estimate(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor> targets) =>
        new(inputs.Select(ActivationScale.Estimate).ToArray(), targets.Select(ActivationScale.Estimate).ToArray());

    /// <summary>Checks one positive finite factor per layer on each side.</summary>
    public CltScale Validate(int layers)
    {
        if (Input.Count != layers || Output.Count != layers)
            throw new ArgumentException($"a {layers}-layer CLT needs {layers} input and {layers} output scales, got {Input.Count} and {Output.Count}");
        if (!Input.Concat(Output).All(s => s > 0 && double.IsFinite(s)))
            throw new ArgumentException($"activation scales must be positive and finite, got in [{string.Join(", ", Input.Select(CfgFields.Number))}], out [{string.Join(", ", Output.Select(CfgFields.Number))}]");
        return this;
    }

    public bool Equals(CltScale? other) => other is not null && Input.SequenceEqual(other.Input) && Output.SequenceEqual(other.Output);

    public override int GetHashCode() => HashCode.Combine(Input.Count, Input.FirstOrDefault(), Output.FirstOrDefault());
}
