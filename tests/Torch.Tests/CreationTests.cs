// Creation and data transfer: managed arrays in and out for every dtype, factories, seeded random tensors.
namespace InterpEval.Torch.Tests;

public class CreationTests
{
    [Test]
    public void FloatArrayRoundTripsWithShape()
    {
        using var t = Tensor.From(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.That(t.Shape, Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(t.Dtype, Is.EqualTo(ScalarType.Float32));
        Assert.That(t.ToArray<float>(), Is.EqualTo(new float[] { 1, 2, 3, 4, 5, 6 }));
    }

    [Test]
    public void EveryManagedDtypeRoundTrips()
    {
        using var scope = DisposeScope.Enter();
        Assert.That(Tensor.From(new double[] { 1.5, -2.25 }).ToArray<double>(), Is.EqualTo(new[] { 1.5, -2.25 }));
        Assert.That(Tensor.From(new long[] { long.MaxValue, -7 }).ToArray<long>(), Is.EqualTo(new[] { long.MaxValue, -7 }));
        Assert.That(Tensor.From(new[] { true, false, true }).ToArray<bool>(), Is.EqualTo(new[] { true, false, true }));
        var half = Tensor.From(new[] { (Half)0.5, (Half)(-3) });
        Assert.That(half.Dtype, Is.EqualTo(ScalarType.Float16));
        Assert.That(half.ToArray<Half>(), Is.EqualTo(new[] { (Half)0.5, (Half)(-3) }));
    }

    [Test]
    public void BFloat16FromBytesKeepsTheUpperHalfOfFloat32()
    {
        // bfloat16 is the top 16 bits of an IEEE float32: 1.0f = 0x3F800000 -> 0x3F80; -2.0f = 0xC0000000 -> 0xC000.
        byte[] raw = [0x80, 0x3F, 0x00, 0xC0];
        using var scope = DisposeScope.Enter();
        var t = Tensor.FromBytes(raw, ScalarType.BFloat16, [2]);
        Assert.That(t.Dtype, Is.EqualTo(ScalarType.BFloat16));
        Assert.That(t.To(ScalarType.Float32).ToArray<float>(), Is.EqualTo(new[] { 1f, -2f }));
        Assert.That(t.ToBytes(), Is.EqualTo(raw));
    }

    [Test]
    public void ReadingWithTheWrongElementTypeIsAClearError()
    {
        using var t = Tensor.From(new long[] { 1, 2 });
        var e = Assert.Throws<ArgumentException>(() => t.ToArray<float>());
        Assert.That(e!.Message, Does.Contain("Int64").And.Contain("Single"));
    }

    [Test]
    public void FactoriesFillAsAsked()
    {
        using var scope = DisposeScope.Enter();
        Assert.That(Tensor.Zeros([2, 2]).Values(), Is.EqualTo(new double[] { 0, 0, 0, 0 }));
        Assert.That(Tensor.Ones([3], ScalarType.Int64).ToArray<long>(), Is.EqualTo(new long[] { 1, 1, 1 }));
        Assert.That(Tensor.Full([2], 2.5).Values(), Is.EqualTo(new[] { 2.5, 2.5 }));
        Assert.That(Tensor.Arange(0, 5).ToArray<long>(), Is.EqualTo(new long[] { 0, 1, 2, 3, 4 }));
        Assert.That(Tensor.Arange(1, 2, 0.25, ScalarType.Float64).ToArray<double>(), Is.EqualTo(new[] { 1, 1.25, 1.5, 1.75 }));
        Assert.That(Tensor.Empty([4, 0]).NumEl, Is.EqualTo(0));
        Assert.That(Tensor.Scalar(3).Dim, Is.EqualTo(0));
        Assert.That(Tensor.Scalar(3).ToDouble(), Is.EqualTo(3));
    }

    [Test]
    public void SeededRandomIsRepeatableAndPlausible()
    {
        using var scope = DisposeScope.Enter();
        using var g1 = new Generator(42);
        using var g2 = new Generator(42);
        using var g3 = new Generator(43);
        var a = Tensor.Randn([10000], g1);
        var b = Tensor.Randn([10000], g2);
        var c = Tensor.Randn([10000], g3);
        Assert.That(a.ToArray<float>(), Is.EqualTo(b.ToArray<float>()));
        Assert.That(a.ToArray<float>(), Is.Not.EqualTo(c.ToArray<float>()));
        Assert.That(a.Mean().ToDouble(), Is.EqualTo(0).Within(0.05));
        Assert.That(a.Var().ToDouble(), Is.EqualTo(1).Within(0.05));

        var u = Tensor.Rand([10000], g1).Values();
        Assert.That(u.Min(), Is.GreaterThanOrEqualTo(0));
        Assert.That(u.Max(), Is.LessThan(1));
        Assert.That(u.Average(), Is.EqualTo(0.5).Within(0.02));

        var ints = Tensor.RandInt(3, 7, [1000], g1).ToArray<long>();
        Assert.That(ints.Distinct().Order(), Is.EqualTo(new long[] { 3, 4, 5, 6 }));

        var perm = Tensor.RandPerm(10, g1).ToArray<long>();
        Assert.That(perm.Order(), Is.EqualTo(Enumerable.Range(0, 10).Select(i => (long)i)));
    }

    [Test]
    public void GlobalSeedMakesUnseededDrawsRepeatable()
    {
        using var scope = DisposeScope.Enter();
        TorchRuntime.ManualSeed(7);
        var a = Tensor.Randn([8]).ToArray<float>();
        TorchRuntime.ManualSeed(7);
        var b = Tensor.Randn([8]).ToArray<float>();
        Assert.That(a, Is.EqualTo(b));
    }

    [Test]
    public void InPlaceInitialisersUseTheGenerator()
    {
        using var scope = DisposeScope.Enter();
        using var g1 = new Generator(5);
        using var g2 = new Generator(5);
        var a = Tensor.Empty([100]).Uniform_(-2, 2, g1);
        var b = Tensor.Empty([100]).Uniform_(-2, 2, g2);
        Assert.That(a.ToArray<float>(), Is.EqualTo(b.ToArray<float>()));
        Assert.That(a.Values().All(v => v is >= -2 and < 2));
        var n = Tensor.Empty([20000]).Normal_(3, 0.5, g1);
        Assert.That(n.Mean().ToDouble(), Is.EqualTo(3).Within(0.02));
    }

    [Test]
    public void DeviceParsingAndCpuTransfer()
    {
        Assert.That(Device.Parse("cpu"), Is.EqualTo(Device.Cpu));
        Assert.That(Device.Parse("CUDA:1"), Is.EqualTo(Device.Cuda(1)));
        Assert.That(Device.Parse("cuda").ToString(), Is.EqualTo("cuda:0"));
        Assert.Throws<FormatException>(() => Device.Parse("tpu"));
        using var scope = DisposeScope.Enter();
        var t = Tensor.Ones([2]).To(Device.Cpu);
        Assert.That(t.Device.Type, Is.EqualTo(DeviceType.Cpu));
        if (Device.CudaDeviceCount == 0)
        {
            var e = Assert.Throws<InvalidOperationException>(() => Device.Cuda().EnsureAvailable());
            Assert.That(e!.Message, Does.Contain("--device cpu"));
        }
    }

    [Test]
    public void DtypeConversionAndMetadata()
    {
        using var scope = DisposeScope.Enter();
        var t = Tensor.From(new float[] { 1.7f, -1.7f }).To(ScalarType.Int64);
        Assert.That(t.ToArray<long>(), Is.EqualTo(new long[] { 1, -1 }));
        Assert.That(t.ToString(), Does.Contain("Int64").And.Contain("[2]"));
        Assert.That(Tensor.Zeros([2, 3]).T.IsContiguous, Is.False);
        Assert.That(Tensor.Zeros([2, 3]).Size(-1), Is.EqualTo(3));
    }
}
