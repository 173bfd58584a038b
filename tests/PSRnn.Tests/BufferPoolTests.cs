using PSRnn.Engine.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace PSRnn.Tests;

/// <summary>
/// The kernels' buffer pool: a block stays lent while any tensor over its storage lives (a view, a
/// copy autograd saved) and comes back, for reuse, when libtorch frees the storage, on any thread.
/// Each test has a pool of its own; over its cap, blocks of sizes no longer asked for go first.
/// (The sequence kernels' own tests run with every buffer pooled: NativeSetup sets the threshold to 0.)
/// </summary>
public class BufferPoolTests
{
    private readonly BufferPool pool = new(64L << 20);

    private static long Bytes(long[] shape, long elementSize) => shape.Aggregate(1L, (p, s) => p * s) * elementSize;

    [Fact]
    public void BlockComesBackOnlyWhenItsLastViewIsFreedAndIsThenReused()
    {
        var shape = new long[] { 37, 1013 };
        var bytes = Bytes(shape, 4);
        var buffer = pool.Empty(shape, ScalarType.Float32, CPU);
        Assert.Equal(1, pool.LentBlocks(bytes));
        var view = buffer.narrow(0, 3, 5);
        buffer.Dispose();
        Assert.Equal(1, pool.LentBlocks(bytes));
        view.fill_(2);
        Assert.Equal(2 * 5 * 1013, view.sum().ToDouble());
        view.Dispose();
        Assert.Equal(0, pool.LentBlocks(bytes));
        Assert.Equal(1, pool.CachedBlocks(bytes));

        using var again = pool.Empty(shape, ScalarType.Float32, CPU);
        Assert.Equal(0, pool.CachedBlocks(bytes));
        Assert.Equal(shape, again.shape);
        Assert.True(again.is_contiguous());
        again.copy_(arange(37 * 1013, ScalarType.Float32).view(shape));
        Assert.Equal(37.0 * 1013 * (37 * 1013 - 1) / 2, again.sum(ScalarType.Float64).ToDouble());
    }

    [Fact]
    public void AutogradKeepsASavedBlockUntilItsGraphIsFreed()
    {
        var shape = new long[] { 41, 17 };
        var bytes = Bytes(shape, 8);
        using (NewDisposeScope())
        {
            var x = pool.Empty(shape, ScalarType.Float64, CPU).fill_(0.5).requires_grad_();
            var loss = x.square().sum();
            x.Dispose();
            // The graph holds the leaf and the copy square() saved for its backward.
            Assert.Equal(1, pool.LentBlocks(bytes));
            Assert.Equal(0.25 * 41 * 17, loss.ToDouble(), 12);
        }
        Assert.Equal(0, pool.LentBlocks(bytes));
    }

    [Fact]
    public void GradientThroughAPooledLeafIsRight()
    {
        var shape = new long[] { 43, 19 };
        using var x = pool.Empty(shape, ScalarType.Float64, CPU).copy_(linspace(-2, 2, 43 * 19, ScalarType.Float64).view(shape)).requires_grad_();
        x.square().sum().backward();
        Assert.True(x.grad!.allclose(x.detach().mul(2), rtol: 0, atol: 1e-15));
    }

    [Fact]
    public void BlockFreedOnAnotherThreadComesBack()
    {
        var shape = new long[] { 47, 23 };
        var bytes = Bytes(shape, 4);
        var buffer = pool.Empty(shape, ScalarType.Float32, CPU);
        var thread = new Thread(() => buffer.Dispose());
        thread.Start();
        thread.Join();
        Assert.Equal(0, pool.LentBlocks(bytes));
        Assert.Equal(1, pool.CachedBlocks(bytes));
    }

    [Fact]
    public void OtherTypesAreLibTorchsOwn()
    {
        var shape = new long[] { 53, 29 };
        using var indices = pool.Empty(shape, ScalarType.Int64, CPU);
        Assert.Equal(ScalarType.Int64, indices.dtype);
        Assert.Equal(0, pool.LentBlocks(Bytes(shape, 8)));
        using var none = pool.Empty(new long[] { 0, 5 }, ScalarType.Float32, CPU);
        Assert.Equal(0, none.numel());
    }

    [Fact]
    public void OverItsCapAPoolDropsBlocksOfOtherSizesFirst()
    {
        var small = new BufferPool(maxCachedBytes: 3 << 20);
        var (old, current) = (new long[] { 256, 1024 }, new long[] { 512, 1024 }); // 1 MB and 2 MB of float32
        foreach (var tensor in new[] { small.Empty(old, ScalarType.Float32, CPU), small.Empty(old, ScalarType.Float32, CPU) }) tensor.Dispose();
        Assert.Equal(2, small.CachedBlocks(1 << 20));
        small.Empty(current, ScalarType.Float32, CPU).Dispose();
        Assert.Equal(1, small.CachedBlocks(2 << 20));
        Assert.Equal(1, small.CachedBlocks(1 << 20));
        // A block larger than the cap is never kept.
        small.Empty(new long[] { 1024, 1024 }, ScalarType.Float32, CPU).Dispose();
        Assert.Equal(0, small.CachedBlocks(4 << 20));
        Assert.Equal(1, small.CachedBlocks(2 << 20));
    }
}
