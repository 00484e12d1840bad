// DecoderCosinesTests — the decoder-cosine routine against hand-computed cases (self excluded, k best first, a zero row)
// and against a slow twin (a double loop in float64) on a decoder taller than one chunk, to 1e-6.
using InterpEval.Interp.Dictionaries;
using InterpEval.Torch;

namespace InterpEval.Interp.Tests.Dictionaries;

public class DecoderCosinesTests : ScopedTest
{
    [Test]
    public void Nearest_other_row_by_cosine_hand_computed()
    {
        var wDec = Tensor.From(new float[] { 1, 0, 0, 2, 3, 1 }, 3, 2);                  // rows e₀, 2e₁, 3e₀ + e₁
        DecoderNeighbours best = DecoderCosines.Nearest(wDec, wDec, 2, excludeSelf: true);
        double c0 = 3 / Math.Sqrt(10), c1 = 1 / Math.Sqrt(10);                            // cos(row 2, e₀), cos(row 2, e₁)
        Assert.That(best.Index, Is.EqualTo(new[] { 2, 1, 2, 0, 0, 1 }));
        Assert.That(best.Cosine, Is.EqualTo(new[] { c0, 0, c1, 0, c0, c1 }).Within(1e-6));
    }

    [Test]
    public void Without_exclusion_a_row_matches_itself_and_a_zero_row_has_cosine_0()
    {
        var wDec = Tensor.From(new float[] { 1, 0, 0, 0 }, 2, 2);
        DecoderNeighbours best = DecoderCosines.Nearest(wDec, wDec, 1, excludeSelf: false);
        Assert.That(best.Index[0], Is.EqualTo(0));
        Assert.That(best.Cosine, Is.EqualTo(new[] { 1.0, 0.0 }).Within(1e-6));
    }

    [Test]
    public void Agrees_with_a_slow_twin_across_chunks()
    {
        const int rows = DecoderCosines.ChunkRows + 37, d = 6, k = 3;
        var rng = new Random(7);
        float[] data = [.. Enumerable.Range(0, rows * d).Select(_ => (float)(rng.NextDouble() * 2 - 1))];
        DecoderNeighbours best = DecoderCosines.Nearest(Tensor.From(data, rows, d), Tensor.From(data, rows, d), k, excludeSelf: true);
        foreach (int q in new[] { 0, 5, DecoderCosines.ChunkRows - 1, DecoderCosines.ChunkRows, rows - 1 })
        {
            double[] cos = [.. Enumerable.Range(0, rows).Select(j => j == q ? double.NegativeInfinity : Cos(data, q, j, d))];
            int[] expected = [.. Enumerable.Range(0, rows).OrderByDescending(j => cos[j]).Take(k)];
            Assert.That(best.Index.Skip(q * k).Take(k), Is.EqualTo(expected), $"row {q}");
            Assert.That(best.Cosine.Skip(q * k).Take(k), Is.EqualTo(expected.Select(j => cos[j])).Within(1e-6), $"row {q}");
        }
    }

    [Test]
    public void Mismatched_widths_and_impossible_k_are_refused()
    {
        var a = Tensor.Zeros([3, 2]);
        Assert.That(Assert.Throws<ArgumentException>(() => DecoderCosines.Nearest(a, Tensor.Zeros([3, 4]), 1, false))!.Message, Does.Contain("[3, 4]"));
        Assert.That(Assert.Throws<ArgumentException>(() => DecoderCosines.Nearest(a, a, 3, excludeSelf: true))!.Message, Does.Contain("k is 3"));
    }

    private static double Cos(float[] m, int a, int b, int d)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < d; i++) { dot += m[a * d + i] * (double)m[b * d + i]; na += m[a * d + i] * (double)m[a * d + i]; nb += m[b * d + i] * (double)m[b * d + i]; }
        return dot / Math.Sqrt(na) / Math.Sqrt(nb);
    }
}
