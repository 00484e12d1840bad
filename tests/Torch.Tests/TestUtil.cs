// Helpers shared by the binding tests: building tensors from literals and comparing with a tolerance.
namespace InterpEval.Torch.Tests;

internal static class TestUtil
{
    public static Tensor F32(float[] values, params long[] shape) => Tensor.From(values, shape);

    public static Tensor F64(double[] values, params long[] shape) => Tensor.From(values, shape);

    public static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double tol, string what = "")
    {
        Assert.That(actual, Has.Count.EqualTo(expected.Count), $"{what}: length");
        for (int i = 0; i < expected.Count; i++)
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(tol), $"{what}: element {i}");
    }

    public static void AssertClose(IReadOnlyList<float> expected, Tensor actual, double tol = 1e-6, string what = "") =>
        AssertClose(expected.Select(v => (double)v).ToArray(), actual.To(ScalarType.Float64).ToArray<double>(), tol, what);

    public static double[] Values(this Tensor t) => t.To(ScalarType.Float64).ToArray<double>();

    public static long[] Longs(this Tensor t) => t.To(ScalarType.Int64).ToArray<long>();

    public static bool[] Bools(this Tensor t) => t.ToArray<bool>();
}
