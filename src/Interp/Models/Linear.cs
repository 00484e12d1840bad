// Linear — a dense layer with weights stored [in, out] (GPT-2's Conv1D layout; nn.Linear weights are transposed on
// load) and an optional bias; the bias is fused into the matrix product.
namespace InterpEval.Interp.Models;

public sealed record Linear(Tensor WeightInOut, Tensor? Bias)
{
    public long In => WeightInOut.Size(0);
    public long Out => WeightInOut.Size(1);

    /// <summary>x [..., in] → [..., out].</summary>
    public Tensor Forward(Tensor x)
    {
        var shape = x.Shape;
        var flat = x.Reshape(-1, In);                                  // [N, in]
        var y = Bias is null ? flat.Mm(WeightInOut) : Tensor.AddMm(Bias, flat, WeightInOut);
        shape[^1] = Out;
        return y.View(shape);
    }
}
