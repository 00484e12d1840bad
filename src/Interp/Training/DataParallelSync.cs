// DataParallelSync — ITrainingSync on a c10d process group (PyTorch DDP's recipe): the sample all-gathered, gradients
// all-reduced in buckets of about 25 MB (DDP's bucket_cap_mb) and divided by the world size, latent counts summed.
// It leaves the data shard to the caller and never overlaps communication with backward (the step is synchronous).
using InterpEval.Interp.Activations;
using InterpEval.Torch.Distributed;

namespace InterpEval.Interp.Training;

public sealed class DataParallelSync(ProcessGroup group, long bucketBytes = 25L << 20) : ITrainingSync
{
    public ProcessGroup Group { get; } = group;

    public int WorldSize => Group.WorldSize;

    public bool IsWriter => Group.Rank == 0;

    /// <summary>Gradient bytes per all_reduce.</summary>
    public long BucketBytes { get; } = bucketBytes > 0 ? bucketBytes : throw new ArgumentOutOfRangeException(nameof(bucketBytes), "bucket size must be positive");

    /// <summary>Collectives issued for gradients so far (one per bucket), for tests and benchmarks.</summary>
    public long GradientCollectives { get; private set; }

    /// <summary>Time spent inside gradient and activity collectives.</summary>
    public TimeSpan CommunicationTime => _clock.Elapsed;

    private readonly System.Diagnostics.Stopwatch _clock = new();

    public ActivationBatch CombineSample(ActivationBatch local)
    {
        using var noGrad = Autograd.NoGrad();
        var combined = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var hook in local.Activations.Keys.Order(StringComparer.Ordinal))
        {
            var t = local.Activations[hook];                                                  // [N, D]
            using var scope = DisposeScope.Enter();
            var all = Group.AllGather(t);                                                      // [W, N, D]
            combined[hook] = scope.MoveOut(all.Reshape(-1, t.Size(1)));                        // [W·N, D]
        }
        return new ActivationBatch(combined);
    }

    public void SynchronizeGradients(IReadOnlyList<Tensor> parameters)
    {
        _clock.Start();
        try
        {
            var bucket = new List<Tensor>();
            long bytes = 0;
            for (int i = 0; i < parameters.Count; i++)
            {
                var g = parameters[i].Grad
                    ?? throw new InvalidOperationException($"data-parallel step: parameter {i} {parameters[i].ShapeString} has no gradient on rank {Group.Rank} — every rank must use every parameter");
                bucket.Add(g);
                bytes += g.NumEl * g.Dtype.ElementSize();
                if (bytes >= BucketBytes || i == parameters.Count - 1)
                {
                    Reduce(bucket);
                    bucket.Clear();
                    bytes = 0;
                }
            }
        }
        finally
        {
            _clock.Stop();
        }
    }

    private void Reduce(List<Tensor> grads)
    {
        Group.AllReduce_(grads);
        GradientCollectives++;
        using var noGrad = Autograd.NoGrad();
        foreach (var g in grads) g.Mul_(1.0 / WorldSize);
    }

    public (Tensor Fired, Tensor? ActiveCounts, long Tokens) SynchronizeActivity(Tensor fired, Tensor? activeCounts, long tokens)
    {
        _clock.Start();
        try
        {
            using var noGrad = Autograd.NoGrad();
            var counts = (activeCounts ?? fired).To(ScalarType.Int64);                         // [F], a copy
            Group.AllReduce_(counts);
            return (counts.Gt(0), activeCounts is null ? null : counts, tokens * WorldSize);
        }
        finally
        {
            _clock.Stop();
        }
    }
}
