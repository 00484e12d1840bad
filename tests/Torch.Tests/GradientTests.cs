// Every differentiable op's gradient against central finite differences in float64.
namespace InterpEval.Torch.Tests;

public class GradientTests
{
    private static Tensor R(ulong seed, params long[] shape)
    {
        using var g = new Generator(seed);
        return Tensor.Randn(shape, g, ScalarType.Float64);
    }

    // Inputs kept away from kinks (relu at 0, abs at 0, clamp bounds) so finite differences are valid.
    private static Tensor AwayFromZero(ulong seed, params long[] shape)
    {
        using var scope = DisposeScope.Enter();
        var r = R(seed, shape);
        return scope.MoveOut(r + r.Sign() * 0.1);
    }

    private static Tensor Positive(ulong seed, params long[] shape)
    {
        using var scope = DisposeScope.Enter();
        return scope.MoveOut(R(seed, shape).Abs() + 0.5);
    }

    private static readonly (string Name, Func<Tensor[], Tensor> F, Func<Tensor[]> Inputs)[] Cases =
    [
        ("add", x => x[0] + x[1], () => [R(1, 2, 3), R(2, 3)]),
        ("sub alpha", x => x[0].Sub(x[1], 0.5), () => [R(1, 2, 3), R(2, 2, 3)]),
        ("mul", x => x[0] * x[1], () => [R(1, 2, 3), R(2, 2, 1)]),
        ("div", x => x[0] / x[1], () => [R(1, 3), Positive(2, 3)]),
        ("scalar ops", x => (2 * x[0] - 1) / 3 + 0.5, () => [R(1, 4)]),
        ("rsub", x => 1 - x[0], () => [R(1, 4)]),
        ("pow scalar", x => x[0].Pow(3), () => [R(1, 4)]),
        ("pow tensor", x => x[0].Pow(x[1]), () => [Positive(1, 3), R(2, 3)]),
        ("maximum", x => x[0].Maximum(x[1]), () => [R(1, 4), R(2, 4) + 0.05]),
        ("matmul", x => x[0].MatMul(x[1]), () => [R(1, 2, 3), R(2, 3, 2)]),
        ("mm", x => x[0].Mm(x[1]), () => [R(1, 2, 3), R(2, 3, 4)]),
        ("bmm", x => x[0].Bmm(x[1]), () => [R(1, 2, 2, 3), R(2, 2, 3, 2)]),
        ("addmm", x => Tensor.AddMm(x[0], x[1], x[2], 0.5, 2), () => [R(1, 2), R(2, 3, 4), R(3, 4, 2)]),
        ("neg", x => x[0].Neg(), () => [R(1, 3)]),
        ("abs", x => x[0].Abs(), () => [AwayFromZero(1, 5)]),
        ("sqrt", x => x[0].Sqrt(), () => [Positive(1, 4)]),
        ("rsqrt", x => x[0].Rsqrt(), () => [Positive(1, 4)]),
        ("exp", x => x[0].Exp(), () => [R(1, 4)]),
        ("log", x => x[0].Log(), () => [Positive(1, 4)]),
        ("log1p", x => x[0].Log1p(), () => [Positive(1, 4)]),
        ("clamp", x => x[0].Clamp(-0.5, 0.5), () => [Tensor.From(new[] { -1.0, -0.3, 0.2, 0.9 })]),
        ("relu", x => x[0].Relu(), () => [AwayFromZero(1, 6)]),
        ("gelu", x => x[0].Gelu(), () => [R(1, 6)]),
        ("gelu tanh", x => x[0].Gelu(true), () => [R(1, 6)]),
        ("silu", x => x[0].Silu(), () => [R(1, 6)]),
        ("sigmoid", x => x[0].Sigmoid(), () => [R(1, 6)]),
        ("tanh", x => x[0].Tanh(), () => [R(1, 6)]),
        ("softmax", x => x[0].Softmax(-1), () => [R(1, 2, 4)]),
        ("log_softmax", x => x[0].LogSoftmax(0), () => [R(1, 3, 2)]),
        ("layer_norm", x => x[0].LayerNorm([4], x[1], x[2]), () => [R(1, 3, 4), R(2, 4), R(3, 4)]),
        ("sum dims", x => x[0].Sum(1, keepDim: true), () => [R(1, 2, 3)]),
        ("mean", x => x[0].Mean(), () => [R(1, 2, 3)]),
        ("var", x => x[0].Var([1]), () => [R(1, 2, 4)]),
        ("norm", x => x[0].Norm(2, 1), () => [R(1, 3, 4)]),
        ("max dim", x => x[0].Max(1).Values, () => [R(1, 3, 4)]),
        ("min all", x => x[0].Min(), () => [R(1, 5)]),
        ("topk values", x => x[0].TopK(2).Values, () => [R(1, 2, 5)]),
        ("sort values", x => x[0].Sort().Values, () => [R(1, 5)]),
        ("cumsum", x => x[0].CumSum(1), () => [R(1, 2, 3)]),
        ("embedding", x => Tensor.Embedding(x[0], Tensor.From(new long[] { 2, 0, 2 })), () => [R(1, 3, 2)]),
        ("cross_entropy", x => Tensor.CrossEntropy(x[0], Tensor.From(new long[] { 1, 0, 2 })), () => [R(1, 3, 4)]),
        ("view/permute/transpose", x => x[0].View(2, 3, 2).Permute(2, 0, 1).Transpose(0, 2).Contiguous(), () => [R(1, 12)]),
        ("reshape/flatten", x => x[0].T.Reshape(6).Unsqueeze(0).Flatten(), () => [R(1, 2, 3)]),
        ("narrow/slice/select", x => x[0].Narrow(1, 1, 3).Slice(0, 0, 3, 2).Select(1, 0), () => [R(1, 4, 5)]),
        ("index_select", x => x[0].IndexSelect(0, Tensor.From(new long[] { 2, 2, 0 })), () => [R(1, 3, 2)]),
        ("gather", x => x[0].Gather(1, Tensor.From(new long[] { 0, 2, 1, 1 }, 2, 2)), () => [R(1, 2, 3)]),
        ("scatter", x => x[0].Scatter(1, Tensor.From(new long[] { 2, 0 }, 2, 1), x[1]), () => [R(1, 2, 3), R(2, 2, 1)]),
        ("scatter_add", x => x[0].ScatterAdd(1, Tensor.From(new long[] { 1, 1, 0, 1 }, 2, 2), x[1]), () => [R(1, 2, 3), R(2, 2, 2)]),
        ("cat/stack", x => Tensor.Stack([Tensor.Cat([x[0], x[1]]), Tensor.Cat([x[1], x[0]])]), () => [R(1, 2), R(2, 2)]),
        ("squeeze/expand/repeat", x => x[0].Unsqueeze(1).Expand(3, 2).Repeat(2, 1).Squeeze(0), () => [R(1, 3)]),
        ("where/masked_fill", x => Tensor.Where(x[0].Gt(0), x[0], x[1]).MaskedFill(x[1].Gt(0), 0), () => [AwayFromZero(1, 6), R(2, 6)]),
        ("tril/triu", x => x[0].Tril() + x[0].Triu(1) * 2, () => [R(1, 3, 3)]),
    ];

    private static IEnumerable<TestCaseData> AllCases() => Cases.Select(c => new TestCaseData(c.Name).SetName($"Gradient({c.Name})"));

    [TestCaseSource(nameof(AllCases))]
    public void MatchesFiniteDifferences(string name)
    {
        var c = Cases.Single(k => k.Name == name);
        using var scope = DisposeScope.Enter();
        GradCheck.Check(c.F, c.Inputs(), op: name);
    }

    [Test]
    public void CheckerCatchesAWrongGradient()
    {
        // A deliberately wrong gradient (detach one factor) must fail the checker — the checker itself can fail.
        using var scope = DisposeScope.Enter();
        Assert.Throws<AssertionException>(() => GradCheck.Check(x => x[0] * x[0].Detach(), [R(1, 3)]));
    }
}
