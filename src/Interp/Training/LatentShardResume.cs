// LatentShardResume — where a rank of a latent-sharded run resumes from. At the world size that wrote the checkpoints,
// its own slice's latest checkpoint (OUT/shards/rank-R; --out need not be shared between machines). At another world
// size, every old slice's latest checkpoint (the same step on every old rank): the parameters, Adam moments and latent
// activity are assembled by latent range and this rank's new slice cut from them, exactly (copies, no arithmetic); the
// step, data position, token count and replicated state (b_dec and its moments, the scale, batchtopk's θ) are the same
// on every old rank, and every rank of a latent-sharded run sees the whole batch, so the data position carries over
// unchanged. Collective: the ranks agree on which of the two, and all refuse together when any cannot read what it
// needs. It leaves out data-parallel and unsharded checkpoints (whole dictionaries: DictionaryTrainer resumes those).
using System.Globalization;
using InterpEval.Interp.Dictionaries;

namespace InterpEval.Interp.Training;

public static class LatentShardResume
{
    /// <summary>Where rank r of a latent-sharded run keeps its slice's checkpoints: OUT/shards/rank-r.</summary>
    public static string RankDirectory(string outDir, int rank) =>
        Path.Combine(outDir, "shards", "rank-" + rank.ToString(CultureInfo.InvariantCulture));

    /// <summary>This rank's checkpoint to resume from (collective: every rank calls it once): its own at the same world
    /// size, else its new slice assembled from every old rank's. InvalidDataException or FileNotFoundException (exit 2)
    /// on every rank when any rank cannot read a checkpoint it needs; the rank at fault names the path.</summary>
    public static (string Dir, TrainingCheckpoint Checkpoint) Read(string outDir, LatentShardedTrainable trainable)
    {
        var d = trainable.Dictionary;
        int rank = d.Rank, world = d.WorldSize;
        string ownRoot = RankDirectory(outDir, rank);
        string? ownDir = null;
        TrainingCheckpoint? own = null;
        Exception? fault = null;
        try
        {
            ownDir = TrainingCheckpoint.Latest(ownRoot);
            if (ownDir is not null) own = TrainingCheckpoint.Read(ownDir);
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or IOException)
        {
            fault = e;
        }
        bool sameSlice = own is not null && Slice(own) is var (r, w) && r == rank && w == world;
        var agreed = d.CountsOverRanks(Flags(rank, world, fault is not null, !sameSlice));
        if (own is not null && agreed.Take(world).Any(f => f != 0)) Release(own);
        ThrowIfAnyFailed(agreed, rank, world, fault, "its own slice's latest checkpoint", "every rank must be able to read its own");
        if (agreed[world] == 0) return (ownDir!, own!);                                       // every rank holds its own slice

        if (own is not null) Release(own);
        (string Dir, TrainingCheckpoint Checkpoint)? assembled = null;
        fault = null;
        try
        {
            assembled = Assemble(outDir, trainable);
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or IOException)
        {
            fault = e;
        }
        agreed = d.CountsOverRanks(Flags(rank, world, fault is not null, false));
        if (fault is null && agreed.Take(world).Any(f => f != 0)) Release(assembled!.Value.Checkpoint);
        ThrowIfAnyFailed(agreed, rank, world, fault, "the old slices' checkpoints",
            "resuming a latent-sharded run at another world size needs every old slice in one --out");
        return assembled!.Value;
    }

    /// <summary>[fault on rank 0 … W−1 (this rank's entry set when it failed), needs the old slices].</summary>
    private static long[] Flags(int rank, int world, bool failed, bool needsOldSlices)
    {
        var flags = new long[world + 1];
        flags[rank] = failed ? 1 : 0;
        flags[world] = needsOldSlices ? 1 : 0;
        return flags;
    }

    private static void ThrowIfAnyFailed(long[] agreed, int rank, int world, Exception? fault, string what, string need)
    {
        if (fault is not null) throw fault is FileNotFoundException ? new FileNotFoundException(fault.Message, fault) : new InvalidDataException(fault.Message, fault);
        var failed = Enumerable.Range(0, world).Where(q => agreed[q] != 0).ToList();
        if (failed.Count == 0) return;
        throw new InvalidDataException($"checkpoint: rank {string.Join(", ", failed)} of {world} could not read {what} (its own message names the path) — " +
            $"rank {rank} stops with it; {need}");
    }

    /// <summary>[rank, world] of the slice a checkpoint holds, or null when it is no latent-sharded checkpoint.</summary>
    private static (long Rank, long World)? Slice(TrainingCheckpoint c)
    {
        if (c.Dictionaries.Count != 1 || !c.Dictionaries[0].Tensors.TryGetValue(TrainingCheckpoint.StatePrefix + LatentShardedTrainable.ShardKey, out var t)) return null;
        var v = t.ToArray<long>();
        return v.Length == 2 ? (v[0], v[1]) : null;
    }

    /// <summary>This rank's slice at the new world size from every old rank's latest checkpoint. The old world size is
    /// the one rank 0's latest checkpoint was written at.</summary>
    private static (string Dir, TrainingCheckpoint Checkpoint) Assemble(string outDir, LatentShardedTrainable trainable)
    {
        var d = trainable.Dictionary;
        var taken = new Taken();
        try
        {
            for (int q = 0; q < Math.Max(1, taken.OldWorld); q++)
            {
                string root = RankDirectory(outDir, q);
                string dir = TrainingCheckpoint.Latest(root) ?? throw new FileNotFoundException(
                    $"{Path.Combine(root, TrainingCheckpoint.Folder)}: no checkpoint of rank {q.ToString(CultureInfo.InvariantCulture)}'s slice" +
                    (q == 0 ? " to resume from (start a fresh training if there is none)" : $" of {taken.OldWorld.ToString(CultureInfo.InvariantCulture)}") +
                    $" — resuming a latent-sharded run at another world size (here {d.WorldSize.ToString(CultureInfo.InvariantCulture)} ranks) needs every old slice in one --out " +
                    "(on several machines: a shared --out, or copy every OUT/shards/rank-* folder into each machine's --out)", root);
                var c = TrainingCheckpoint.Read(dir);
                try
                {
                    Take(c, dir, q, trainable, taken);
                }
                finally
                {
                    Release(c);
                }
            }
            var tensors = new Dictionary<string, Tensor>(taken.Replicated, StringComparer.Ordinal);
            taken.Replicated.Clear();
            foreach (var (key, list) in taken.Pieces)
                using (DisposeScope.Enter())
                    tensors[key] = (list.Count == 1 ? list[0].Clone() : Tensor.Cat(list, LatentAxis(key, trainable)!.Value)).DetachFromScopes();
            tensors[TrainingCheckpoint.StatePrefix + LatentShardedTrainable.ShardKey] = Tensor.From(new long[] { d.Rank, d.WorldSize }, 2).DetachFromScopes();
            var first = taken.First!;
            var m = first.Dictionaries[0];
            return (Path.Combine(outDir, "shards"), first with { Dictionaries = [new DictionaryCheckpoint(m.Id, m.AdamStep, m.DensityTokens, tensors)] });
        }
        finally
        {
            foreach (var t in taken.Pieces.Values.SelectMany(l => l)) t.Dispose();
            foreach (var t in taken.Replicated.Values) t.Dispose();
        }
    }

    /// <summary>What Assemble has taken so far: the old world size (from rank 0), rank 0's metadata, the replicated
    /// tensors (from rank 0) and, per latent-split key, the pieces of this rank's new range in latent order.</summary>
    private sealed class Taken
    {
        public int OldWorld { get; set; }

        public TrainingCheckpoint? First { get; set; }

        public Dictionary<string, Tensor> Replicated { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, List<Tensor>> Pieces { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Checks old rank q's checkpoint (its slice, its step against rank 0's, its dictionary) and copies the part
    /// of its latents that falls in this rank's new range.</summary>
    private static void Take(TrainingCheckpoint c, string dir, int q, LatentShardedTrainable trainable, Taken taken)
    {
        using var scope = DisposeScope.Enter();
        var d = trainable.Dictionary;
        long latents = d.Config.DSae, from = d.Offset, to = d.Offset + d.ShardLatents;     // this rank's new range [from, to)
        var (rank, world) = Slice(c) ?? throw new InvalidDataException($"{dir}: not the checkpoint of a latent-sharded slice (no '{LatentShardedTrainable.ShardKey}' state)");
        if (q == 0)
        {
            if (world < 1 || latents % world != 0) throw new InvalidDataException($"{dir}: the slice of rank 0 of {world} does not split d_sae {latents}");
            taken.OldWorld = (int)world;
            taken.First = Metadata(c);
        }
        if (rank != q || world != taken.OldWorld)
            throw new InvalidDataException($"{dir}: holds the slice of rank {rank} of {world}, expected rank {q} of {taken.OldWorld}");
        int step0 = taken.First!.Step;
        if (c.Step != step0)
            throw new InvalidDataException($"{dir}: checkpoint: the old ranks of a latent-sharded run hold different latest checkpoints (steps {Math.Min(c.Step, step0)} to {Math.Max(c.Step, step0)}) — remove the newer ones so every slice comes from the same step");
        if (c.Dictionaries[0].Id != trainable.Id)
            throw new InvalidDataException($"{dir}: checkpoint holds {c.Dictionaries[0].Id}, this run trains {trainable.Id}");
        long oldFrom = q * (latents / world), oldTo = oldFrom + latents / world;
        long lo = Math.Max(from, oldFrom), hi = Math.Min(to, oldTo);                          // the overlap, in global latents
        foreach (var (key, t) in c.Dictionaries[0].Tensors)
        {
            if (LatentAxis(key, trainable) is not int axis)
            {
                if (q == 0) taken.Replicated[key] = t.Clone().DetachFromScopes();
                continue;
            }
            if (t.Size(axis) != oldTo - oldFrom)
                throw new InvalidDataException($"{dir}: '{key}' is {t.ShapeString}, expected {oldTo - oldFrom} latents along dimension {axis}");
            if (hi <= lo) continue;
            if (!taken.Pieces.TryGetValue(key, out var list)) taken.Pieces[key] = list = [];
            list.Add(t.Narrow(axis, lo - oldFrom, hi - lo).Contiguous().Clone().DetachFromScopes());
        }
    }

    private static void Release(TrainingCheckpoint c)
    {
        foreach (var t in c.Dictionaries.SelectMany(x => x.Tensors.Values)) t.Dispose();
    }

    /// <summary>The checkpoint's step, budget, tokens and data position, and its one dictionary's id, Adam step and
    /// density window, without tensors.</summary>
    private static TrainingCheckpoint Metadata(TrainingCheckpoint c)
    {
        if (c.Dictionaries.Count != 1) throw new InvalidDataException($"checkpoint of step {c.Step} holds {c.Dictionaries.Count} dictionaries — a latent-sharded run trains one");
        var m = c.Dictionaries[0];
        return c with { Dictionaries = [new DictionaryCheckpoint(m.Id, m.AdamStep, m.DensityTokens, new Dictionary<string, Tensor>())] };
    }

    /// <summary>The axis a checkpoint key is split along by latent, or null when every rank holds the same (b_dec, its
    /// moments, the scale, the step, batchtopk's θ). Unknown keys are refused rather than guessed.</summary>
    private static int? LatentAxis(string key, LatentShardedTrainable trainable)
    {
        if (key is TrainingCheckpoint.SinceFiredKey or TrainingCheckpoint.ActiveTokensKey) return 0;
        if (key.StartsWith(TrainingCheckpoint.StatePrefix, StringComparison.Ordinal))
        {
            string name = key[TrainingCheckpoint.StatePrefix.Length..];
            return trainable.ParameterNamesInOrder.Contains(name) ? LatentShardedTrainable.LatentAxis(name) : null;
        }
        var names = trainable.ParameterNamesInOrder;
        for (int p = 0; p < names.Count; p++)
            if (key == TrainingCheckpoint.AdamExpAvgKey(p) || key == TrainingCheckpoint.AdamExpAvgSqKey(p)) return LatentShardedTrainable.LatentAxis(names[p]);
        throw new InvalidDataException($"checkpoint: '{key}' is not a key of a latent-sharded checkpoint of {trainable.Id}");
    }
}
