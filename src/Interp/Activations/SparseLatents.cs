// SparseLatents — a dictionary's latent activations over a token stream kept sparse: per token (row) the active
// latents and their values (CSR), with a per-latent (column) view built on demand. Zero entries are implicit. It
// computes nothing about concepts (suites do) and holds no tensors.
namespace InterpEval.Interp.Activations;

public sealed class SparseLatents
{
    private (int[] Start, int[] Row, float[] Value)? _columns;

    /// <param name="rowStart">Row r's entries are [rowStart[r], rowStart[r + 1]) [N + 1].</param>
    /// <param name="latent">Latent index of each entry [nnz].</param>
    /// <param name="value">Activation of each entry [nnz] (non-zero).</param>
    public SparseLatents(int latents, int[] rowStart, int[] latent, float[] value)
    {
        if (latent.Length != value.Length || rowStart.Length == 0 || rowStart[^1] != value.Length)
            throw new ArgumentException("row starts, latent indices and values do not agree");
        Latents = latents;
        RowStart = rowStart;
        Latent = latent;
        Value = value;
    }

    /// <summary>Rows (tokens).</summary>
    public int Rows => RowStart.Length - 1;

    /// <summary>Columns (d_sae).</summary>
    public int Latents { get; }

    public int[] RowStart { get; }
    public int[] Latent { get; }
    public float[] Value { get; }

    /// <summary>Stored (non-zero) entries.</summary>
    public int NonZeros => Value.Length;

    /// <summary>The entries of one row as (latent, value).</summary>
    public IEnumerable<(int Latent, float Value)> Row(int r)
    {
        for (int e = RowStart[r]; e < RowStart[r + 1]; e++) yield return (Latent[e], Value[e]);
    }

    /// <summary>Latent j's activation at row r (0 when not stored).</summary>
    public float At(int r, int j)
    {
        for (int e = RowStart[r]; e < RowStart[r + 1]; e++)
            if (Latent[e] == j) return Value[e];
        return 0;
    }

    /// <summary>Latent j's non-zero entries as (row, value), rows ascending.</summary>
    public (ArraySegment<int> Rows, ArraySegment<float> Values) Column(int j)
    {
        var (start, row, value) = _columns ??= BuildColumns();
        int from = start[j], count = start[j + 1] - start[j];
        return (new ArraySegment<int>(row, from, count), new ArraySegment<float>(value, from, count));
    }

    private (int[], int[], float[]) BuildColumns()
    {
        var start = new int[Latents + 1];
        foreach (int j in Latent) start[j + 1]++;
        for (int j = 0; j < Latents; j++) start[j + 1] += start[j];
        var next = (int[])start.Clone();
        var rows = new int[NonZeros];
        var values = new float[NonZeros];
        for (int r = 0; r < Rows; r++)
            for (int e = RowStart[r]; e < RowStart[r + 1]; e++)
            {
                int at = next[Latent[e]]++;
                rows[at] = r;
                values[at] = Value[e];
            }
        return (start, rows, values);
    }
}
