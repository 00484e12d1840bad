// Small conversions used across the Interp tests.
namespace InterpEval.Interp.Tests;

internal static class TestValues
{
    public static double[] Values(this Tensor t) => t.To(ScalarType.Float64).ToArray<double>();
}
