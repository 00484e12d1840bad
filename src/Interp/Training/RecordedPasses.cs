// RecordedPasses — an activation stream harvested once and replayed to many trainers: the batches of a source
// ActivationPasses (the training recipe's) are recorded in memory, pass after pass, until they hold the full batches the
// longest budget needs; every trainer then reads views of them, so a shorter budget trains on a prefix of exactly the
// batches a trainer reading the source directly would have seen (same rows, same order, same pass boundaries). This is
// how a sweep trains many budgets from one harvest. It keeps everything in memory (rows × d floats per hook) and
// spills nothing to disk; a trainer asking past the recording is an error, never a silent re-harvest.
using InterpEval.Interp.Activations;

namespace InterpEval.Interp.Training;

public sealed class RecordedPasses : IDisposable
{
    private readonly List<List<ActivationBatch>> _passes;

    private RecordedPasses(List<List<ActivationBatch>> passes, int fullBatches)
    {
        _passes = passes;
        FullBatches = fullBatches;
    }

    /// <summary>Full batches recorded (the most steps a trainer can take on the recording).</summary>
    public int FullBatches { get; }

    /// <summary>Rows recorded over all passes (full and short batches).</summary>
    public long Rows => _passes.Sum(p => p.Sum(b => b.Rows));

    /// <summary>Records the source's batches until `fullBatches` batches of `batchTokens` rows are held (a pass that ends
    /// first is kept whole and the next pass recorded, as a trainer would move on). onBatch sees each full batch.</summary>
    public static RecordedPasses Record(ActivationPasses source, int fullBatches, int batchTokens, Action? onBatch = null,
        CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fullBatches, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchTokens, 1);
        var passes = new List<List<ActivationBatch>>();
        int full = 0;
        try
        {
            while (full < fullBatches)
            {
                var pass = new List<ActivationBatch>();
                passes.Add(pass);
                int fullBefore = full;
                foreach (ActivationBatch batch in source(passes.Count - 1))
                {
                    pass.Add(batch);
                    cancel.ThrowIfCancellationRequested();
                    if (batch.Rows < batchTokens) continue;
                    onBatch?.Invoke();
                    if (++full == fullBatches) break;
                }
                if (full == fullBefore)
                    throw new ArgumentException($"pass {passes.Count - 1} of the activation stream gave no full batch of {batchTokens} tokens — use more tokens or a smaller batch");
            }
            return new RecordedPasses(passes, full);
        }
        catch
        {
            foreach (ActivationBatch b in passes.SelectMany(p => p)) b.Dispose();
            throw;
        }
    }

    /// <summary>The recording as passes a trainer consumes: views of the recorded batches (the trainer disposes the views,
    /// the recording keeps its tensors). Pass p is the source's pass p, cut where the recording stopped.</summary>
    public ActivationPasses Passes => Replay;

    private IEnumerable<ActivationBatch> Replay(int pass)
    {
        if (pass >= _passes.Count)
            throw new InvalidOperationException($"the recording holds {_passes.Count} pass(es) and {FullBatches} full batches — record more to train longer");
        foreach (ActivationBatch batch in _passes[pass])
            yield return new ActivationBatch(batch.Activations.ToDictionary(kv => kv.Key, kv => kv.Value.Narrow(0, 0, kv.Value.Size(0))));
    }

    public void Dispose()
    {
        foreach (ActivationBatch b in _passes.SelectMany(p => p)) b.Dispose();
        _passes.Clear();
    }
}
