// ActivationScale — the constant factors that bring activations to E‖x‖² = d (DESIGN §7; SAELens calls the mode
// "expected_average_only_in"), one for the input hook and one for the predicted hook. A dictionary trains on scaled
// activations and folds the factors into its weights before it is saved, so files always work on raw activations.
// It does not stream: the activation store estimates the factor from a sample and hands it over.
namespace InterpEval.Interp.Dictionaries;

/// <param name="Input">Factor applied to the input activations.</param>
/// <param name="Output">Factor applied to the target activations (equal to Input for an sae).</param>
public sealed record ActivationScale(double Input = 1, double Output = 1)
{
    public static readonly ActivationScale Identity = new();

    public bool IsIdentity => Input == 1 && Output == 1;

    /// <summary>√(d / E‖x‖²) over a sample [N, d], accumulated in float64, so that E‖s·x‖² = d.</summary>
    public static double Estimate(Tensor sample)
    {
        if (sample.Dim != 2) throw new ArgumentException($"expected a sample [N, d], got {sample.ShapeString}", nameof(sample));
        using var scope = DisposeScope.Enter();
        double meanSquaredNorm = sample.Detach().To(ScalarType.Float64).Pow(2).Sum(1).Mean().ToDouble();
        if (!(meanSquaredNorm > 0) || !double.IsFinite(meanSquaredNorm))
            throw new ArgumentException($"cannot normalise activations whose mean squared norm is {meanSquaredNorm}", nameof(sample));
        return Math.Sqrt(sample.Size(1) / meanSquaredNorm);
    }

    /// <summary>Checks the factors are positive and finite (and equal for an sae, whose target is its input).</summary>
    public ActivationScale Validate(DictionaryKind kind)
    {
        if (!(Input > 0 && double.IsFinite(Input) && Output > 0 && double.IsFinite(Output)))
            throw new ArgumentException($"activation scale must be positive and finite, got input {Input}, output {Output}");
        if (!kind.IsTranscoder() && Input != Output)
            throw new ArgumentException($"an sae predicts its own input, so its input and output scales must match (got {Input} and {Output})");
        return this;
    }
}
