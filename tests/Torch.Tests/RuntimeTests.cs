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
    public void AllocatorTuningIsAcceptedByGlibc() => Assert.That(TorchRuntime.TuneAllocator(), Is.True);

    [Test]
    public void VersionIsLibtorchs() => Assert.That(TorchRuntime.Version, Does.Match(@"^\d+\.\d+"));
}
