// Process-wide settings: thread counts (libtorch and OpenBLAS) and the libtorch version.
namespace InterpEval.Torch.Tests;

[NonParallelizable]
public class RuntimeTests
{
    [Test]
    public void SetNumThreadsReachesLibtorchAndOpenBlas()
    {
        int original = TorchRuntime.NumThreads;
        try
        {
            bool openBlas = TorchRuntime.SetNumThreads(1);
            Assert.That(TorchRuntime.NumThreads, Is.EqualTo(1));
            if (openBlas) Assert.That(TorchRuntime.BlasThreads, Is.EqualTo(1));
            TorchRuntime.SetNumThreads(2);
            Assert.That(TorchRuntime.NumThreads, Is.EqualTo(2));
            if (openBlas) Assert.That(TorchRuntime.BlasThreads, Is.EqualTo(2));
        }
        finally { TorchRuntime.SetNumThreads(original); }
        Assert.Throws<ArgumentOutOfRangeException>(() => TorchRuntime.SetNumThreads(0));
    }

    [Test]
    public void TheShimsOwnParallelLoopsRunOnEveryThread()
    {
        // at::parallel_for is a header template: on an OpenMP libtorch, a shim compiled without OpenMP runs it serially.
        int original = TorchRuntime.NumThreads;
        try
        {
            TorchRuntime.SetNumThreads(2);
            Assert.That(TorchRuntime.ParallelLoopThreads, Is.EqualTo(2));
            TorchRuntime.SetNumThreads(1);
            Assert.That(TorchRuntime.ParallelLoopThreads, Is.EqualTo(1));
        }
        finally { TorchRuntime.SetNumThreads(original); }
    }

    [Test]
    public void StreamedEncoderHandsOpenBlasItsThreadCountBack()
    {
        // TopKEncodeStreamed runs its tile GEMMs with OpenBLAS single-threaded (two workers, three row chunks here) and
        // must leave the count as it found it (and a rejected call must not touch it).
        int original = TorchRuntime.NumThreads;
        try
        {
            if (!TorchRuntime.SetNumThreads(2)) Assert.Ignore("no OpenBLAS in this process");
            using var scope = DisposeScope.Enter();
            using var gen = new Generator(3);
            var (x, w, b) = (Tensor.Randn([600, 8], gen), Tensor.Randn([700, 8], gen), Tensor.Randn([700], gen));
            Assert.That(SparseOps.TopKEncodeStreamed(x, w, b, 4).Indices.Shape, Is.EqualTo(new long[] { 600, 4 }));
            Assert.That(TorchRuntime.BlasThreads, Is.EqualTo(2));
            Assert.Throws<TorchException>(() => SparseOps.TopKEncodeStreamed(x, w, b, 701));
            Assert.That(TorchRuntime.BlasThreads, Is.EqualTo(2));
        }
        finally { TorchRuntime.SetNumThreads(original); }
    }

    [Test]
    public void AllocatorTuningIsAcceptedByGlibc() => Assert.That(TorchRuntime.TuneAllocator(), Is.True);

    [Test]
    public void OpenMpWaitsPassivelyUnlessTheUserChose()
    {
        // The module initializer ran before the shim loaded: the native environment (what libgomp reads) holds PASSIVE,
        // or the value the process was started with, which the managed view also shows.
        string? policy = Native.OpenMpWaitPolicy.Current;
        Assert.That(policy, Is.Not.Null, "OMP_WAIT_POLICY is unset in the native environment");
        Assert.That(policy, Is.EqualTo(Environment.GetEnvironmentVariable(Native.OpenMpWaitPolicy.Variable)));
        Native.OpenMpWaitPolicy.Apply();   // never overwrites a value that is already there
        Assert.That(Native.OpenMpWaitPolicy.Current, Is.EqualTo(policy));
    }

    [Test]
    public void VersionIsLibtorchs() => Assert.That(TorchRuntime.Version, Does.Match(@"^\d+\.\d+"));
}
