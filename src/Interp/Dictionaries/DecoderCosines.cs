// DecoderCosines — the one routine for cosines between decoder rows: for each row of a query decoder [Q, d], the k rows
// of a key decoder [K, d] with the largest cosine, best first (a latent's neighbours, or the latent of another
// dictionary it descends from). Unit rows in float32, chunked so Q × K is never held at once. It summarises nothing;
// suites and the feature browser do.
using InterpEval.Torch;

namespace InterpEval.Interp.Dictionaries;

/// <param name="Index">[Q·k] row-major: for query row q, entries q·k … q·k + k − 1 are its best key rows, best first.</param>
/// <param name="Cosine">[Q·k] their cosines.</param>
public sealed record DecoderNeighbours(int[] Index, double[] Cosine, int K);

public static class DecoderCosines
{
    public const int ChunkRows = 1024;

    /// <summary>For each row of queryQD, the k rows of keysKD with the largest cosine; with excludeSelf (query and keys
    /// the same decoder) row i never matches itself. k = 1 takes the maximum (ties: the first index).</summary>
    public static DecoderNeighbours Nearest(Tensor queryQD, Tensor keysKD, int k, bool excludeSelf, CancellationToken cancellation = default)
    {
        if (queryQD.Dim != 2 || keysKD.Dim != 2 || queryQD.Size(1) != keysKD.Size(1))
            throw new ArgumentException($"expected decoders [Q, d] and [K, d], got {queryQD.ShapeString} and {keysKD.ShapeString}");
        long available = keysKD.Size(0) - (excludeSelf ? 1 : 0);
        if (k < 1 || k > available) throw new ArgumentException($"k is {k} — expected 1 to {available} for {keysKD.ShapeString} keys");
        int q = (int)queryQD.Size(0);
        var index = new int[q * k];
        var cosine = new double[q * k];
        using var scope = DisposeScope.Enter();
        using var noGrad = Autograd.NoGrad();
        var keys = UnitRows(keysKD);                                                         // [K, d]
        var all = UnitRows(queryQD);                                                         // [Q, d]
        for (int start = 0; start < q; start += ChunkRows)
        {
            cancellation.ThrowIfCancellationRequested();
            using var chunkScope = DisposeScope.Enter();
            int rows = Math.Min(ChunkRows, q - start);
            var cos = all.Narrow(0, start, rows).Mm(keys.T);                                 // [rows, K]
            if (excludeSelf)
            {
                var self = Tensor.Arange(start, start + rows, 1, ScalarType.Int64, cos.Device).Unsqueeze(1);  // [rows, 1]
                cos = cos.Scatter(1, self, Tensor.Full([rows, 1], double.NegativeInfinity, device: cos.Device));
            }
            var best = k == 1 ? cos.Max(1) : cos.TopK(k, 1);                                 // [rows] or [rows, k]
            best.Indices.To(ScalarType.Int32).ToArray<int>().CopyTo(index, start * k);
            best.Values.To(ScalarType.Float64).ToArray<double>().CopyTo(cosine, start * k);
        }
        return new DecoderNeighbours(index, cosine, k);
    }

    /// <summary>Rows scaled to unit norm (float32; a zero row stays zero).</summary>
    public static Tensor UnitRows(Tensor m)
    {
        var x = m.Detach().To(ScalarType.Float32);
        return x / x.Norm(2, 1, keepDim: true).Clamp(min: 1e-12);
    }
}
