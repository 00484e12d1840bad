// Failure classes: each becomes a typed managed exception with libtorch's message, and the process carries on.
using InterpEval.Torch.Native;

namespace InterpEval.Torch.Tests;

public class ErrorTests
{
    private DisposeScope _scope = null!;

    [SetUp] public void Open() => _scope = DisposeScope.Enter();
    [TearDown] public void Close() => _scope.Dispose();

    [Test]
    public void MatmulShapeMismatchIsAnExceptionNotACrash()
    {
        var a = Tensor.Ones([2, 3]);
        var e = Assert.Throws<TorchException>(() => a.Mm(Tensor.Ones([2, 3])));
        Assert.That(e!.Message, Does.Contain("cannot be multiplied").And.Contain("2x3"));
        Assert.That(e.Message, Does.Not.Contain("Exception raised from"), "no C++ backtrace in the message");
        Assert.That(a.Mm(Tensor.Ones([3, 1])).Values(), Is.EqualTo(new double[] { 3, 3 }), "the process is fine after");
    }

    [Test]
    public void WrongDtypeIsAnException()
    {
        var e = Assert.Throws<TorchException>(() => Tensor.Ones([2, 2]).Mm(Tensor.Ones([2, 2], ScalarType.Float64)));
        Assert.That(e!.Message, Does.Contain("Float").And.Contain("Double"));
        var e2 = Assert.Throws<TorchException>(() => Tensor.Embedding(Tensor.Ones([3, 2]), Tensor.Ones([2])));
        Assert.That(e2!.Message, Does.Contain("indices"));
    }

    [Test]
    public void OutOfRangeIndexIsAnException()
    {
        var e = Assert.Throws<TorchException>(() => Tensor.Ones([3]).IndexSelect(0, Tensor.From(new long[] { 5 })));
        Assert.That(e!.Message, Does.Contain("out of range"));
    }

    [Test]
    public void UseAfterDisposeIsObjectDisposed()
    {
        var t = Tensor.Ones([2]);
        t.Dispose();
        Assert.That(t.IsDisposed, Is.True);
        Assert.Throws<ObjectDisposedException>(() => _ = t.Shape);
        Assert.Throws<ObjectDisposedException>(() => t.Add(1));
        Assert.Throws<ObjectDisposedException>(() => Tensor.Cat([t, t]));
        Assert.DoesNotThrow(t.Dispose, "disposing twice is harmless");
        Assert.That(t.ToString(), Is.EqualTo("Tensor(disposed)"));
    }

    [Test]
    public void EachErrorCarriesItsOwnMessageAndIsConsumed()
    {
        var first = Assert.Throws<TorchException>(() => Tensor.Ones([2]).View(3))!.Message;
        Assert.DoesNotThrow(() => Tensor.Ones([2]).View(2));
        var second = Assert.Throws<TorchException>(() => Tensor.Ones([2]).Select(0, 7))!.Message;
        Assert.That(first, Does.Contain("invalid for input of size 2"));
        Assert.That(second, Does.Contain("out of range"));
        Assert.That(second, Does.Not.Contain("invalid for input of size"));
    }

    [Test]
    public void ErrorsAreThreadLocal()
    {
        string? other = null;
        var thread = new Thread(() => other = Assert.Throws<TorchException>(() => Tensor.Ones([1]).Transpose(0, 5))!.Message);
        thread.Start();
        thread.Join();
        var mine = Assert.Throws<TorchException>(() => Tensor.Ones([2]).View(3))!.Message;
        Assert.That(other, Does.Contain("Dimension out of range"));
        Assert.That(mine, Does.Contain("invalid for input of size 2"));
    }

    [Test]
    public void DeviceIndexFailureIsAStatusNotMinusOne()
    {
        Assert.That(Tensor.Ones([1]).Device, Is.EqualTo(Device.Cpu), "−1 is the CPU's index, a value, not a failure");
        var undefined = Tensor.Undefined();
        Assert.That(NativeMethods.ie_tensor_device_index(undefined.Handle, out _), Is.EqualTo(-1), "the export reports failure by status");
        Assert.That(NativeCheck.TakeLastError(), Does.Contain("device"));
        Assert.Throws<TorchException>(() => _ = undefined.Device);
    }

    [Test]
    public void NumElOfAnUndefinedTensorThrowsInsteadOfReturningACount()
    {
        Assert.That(Tensor.Ones([2, 3]).NumEl, Is.EqualTo(6));
        Assert.That(Tensor.Ones([0, 3]).NumEl, Is.EqualTo(0));
        var e = Assert.Throws<TorchException>(() => _ = Tensor.Undefined().NumEl);
        Assert.That(e!.Message, Does.Contain("undefined"));
    }
}
