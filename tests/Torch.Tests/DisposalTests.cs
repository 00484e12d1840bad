// Ownership: dispose scopes free what was created inside them except what is moved out, and a training loop keeps
// the live-handle count flat.
using InterpEval.Torch.Optim;

namespace InterpEval.Torch.Tests;

[NonParallelizable]
public class DisposalTests
{
    [Test]
    public void ScopeFreesEverythingCreatedInside()
    {
        long before = Tensor.LiveCount;
        Tensor kept, dropped;
        using (var scope = DisposeScope.Enter())
        {
            dropped = Tensor.Ones([3]) * 2 + 1;
            kept = scope.MoveOut((dropped - 1).Sum());
            Assert.That(Tensor.LiveCount - before, Is.GreaterThanOrEqualTo(5));
        }
        Assert.That(dropped.IsDisposed, Is.True);
        Assert.That(kept.IsDisposed, Is.False);
        Assert.That(kept.ToDouble(), Is.EqualTo(6));
        Assert.That(Tensor.LiveCount - before, Is.EqualTo(1));
        kept.Dispose();
        Assert.That(Tensor.LiveCount, Is.EqualTo(before));
    }

    [Test]
    public void MovedTensorsBelongToTheEnclosingScope()
    {
        long before = Tensor.LiveCount;
        Tensor moved;
        using (var outer = DisposeScope.Enter())
        {
            using (DisposeScope.Enter())
                moved = Tensor.Zeros([1]).MoveToOuterScope();
            Assert.That(moved.IsDisposed, Is.False);
            Assert.That(DisposeScope.Current, Is.SameAs(outer));
        }
        Assert.That(moved.IsDisposed, Is.True, "the outer scope freed it");
        Assert.That(DisposeScope.Current, Is.Null);
        Assert.That(Tensor.LiveCount, Is.EqualTo(before));
    }

    [Test]
    public void EarlyDisposedTensorsLeaveTheScope()
    {
        using var scope = DisposeScope.Enter();
        for (int i = 0; i < 1000; i++) Tensor.Ones([1]).Dispose();
        var kept = Tensor.Ones([1]);
        Assert.That(scope.Count, Is.EqualTo(1), "a long-lived scope holds only live tensors");
        kept.DetachFromScopes();
        Assert.That(scope.Count, Is.EqualTo(0));
        kept.Dispose();
    }

    [Test]
    public void ScopesDisposedOutOfOrderRestoreAnOpenScope()
    {
        var outer = DisposeScope.Enter();
        var inner = DisposeScope.Enter();
        outer.Dispose();
        inner.Dispose();
        Assert.That(DisposeScope.Current, Is.Null, "no disposed scope becomes current again");
    }

    [Test]
    public void DetachedTensorsOutliveAllScopes()
    {
        Tensor t;
        using (DisposeScope.Enter()) t = Tensor.Ones([1]).DetachFromScopes();
        Assert.That(t.IsDisposed, Is.False);
        t.Dispose();
    }

    [Test]
    public void TrainingLoopKeepsLiveHandlesFlat()
    {
        using var gen = new Generator(0);
        var w = Tensor.Randn([4, 4], gen).Mul_(0.1).DetachFromScopes().RequiresGrad_();
        using var adam = new Adam([w], new AdamOptions(LearningRate: 1e-2));
        long afterWarmup = 0;
        double firstLoss = 0, lastLoss = 0;
        for (int i = 0; i < 10_000; i++)
        {
            using (DisposeScope.Enter())
            {
                var x = Tensor.Randn([8, 4], gen);
                var loss = (x.Mm(w) - x).Pow(2).Mean();
                loss.Backward();
                adam.Step();
                adam.ZeroGrad();
                if (i == 0) firstLoss = loss.ToDouble();
                if (i == 9_999) lastLoss = loss.ToDouble();
            }
            if (i == 99) afterWarmup = Tensor.LiveCount;
        }
        Assert.That(Tensor.LiveCount, Is.EqualTo(afterWarmup), "no handle leaked over 9,900 steps");
        Assert.That(lastLoss, Is.LessThan(firstLoss * 0.01), "and the loop really trained (w → I)");
        w.Dispose();
    }
}
