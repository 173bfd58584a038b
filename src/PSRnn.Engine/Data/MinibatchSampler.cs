using static TorchSharp.torch;

namespace PSRnn.Engine.Data;

/// <summary>
/// d2l's two ways of cutting a token sequence into minibatches of [steps, batch] windows, each epoch
/// starting at a random offset so that different epochs see different cuts. The corpus is one
/// tensor on the model's device; a minibatch is a view of it (sequential) or one gather (random).
/// </summary>
internal static class MinibatchSampler
{
    /// <summary>Minimum number of tokens a corpus needs to yield at least one minibatch, whatever the offset.</summary>
    public static long MinimumTokens(Sampling sampling, int batchSize, int numSteps) => checked(sampling switch
    {
        // Random: offset up to steps-1, then batch windows of steps tokens plus one target.
        Sampling.Random => (long)batchSize * numSteps + numSteps,
        // Sequential: offset up to steps, then batch rows of at least steps tokens plus one target.
        _ => (long)batchSize * numSteps + numSteps + 1,
    });

    /// <summary>This epoch's minibatches of <paramref name="corpus"/> (1-D token indices), drawn with <paramref name="random"/>.</summary>
    public static EpochBatches Plan(Tensor corpus, Sampling sampling, int batchSize, int numSteps, Random random) =>
        sampling == Sampling.Random
            ? RandomPlan(corpus, batchSize, numSteps, random)
            : SequentialPlan(corpus, batchSize, numSteps, random);

    /// <summary>Where a sequential epoch starts: the first draw of the epoch's generator.</summary>
    internal static int SequentialOffset(Random random, int numSteps) => random.Next(numSteps + 1);

    private static EpochBatches SequentialPlan(Tensor corpus, int batchSize, int numSteps, Random random)
    {
        var offset = SequentialOffset(random, numSteps);
        var rowLength = Math.Max(corpus.size(0) - offset - 1, 0) / batchSize;
        var count = (int)(rowLength / numSteps);
        if (count == 0) return new EpochBatches(0, _ => throw new InvalidOperationException());
        // Row i of the batch is the i-th of batchSize equal stretches; time-major, so steps are rows.
        Tensor inputs, targets;
        using (NewDisposeScope())
        {
            inputs = corpus.narrow(0, offset, batchSize * rowLength).view(batchSize, rowLength).t().DetachFromDisposeScope();
            targets = corpus.narrow(0, offset + 1, batchSize * rowLength).view(batchSize, rowLength).t().DetachFromDisposeScope();
        }
        return new EpochBatches(count, k => new Minibatch(inputs.narrow(0, (long)k * numSteps, numSteps), targets.narrow(0, (long)k * numSteps, numSteps)),
            inputs, targets);
    }

    private static EpochBatches RandomPlan(Tensor corpus, int batchSize, int numSteps, Random random)
    {
        var offset = random.Next(numSteps);
        var windowCount = (int)Math.Max((corpus.size(0) - offset - 1) / numSteps, 0);
        var order = new long[windowCount];
        for (var i = 0; i < order.Length; i++) order[i] = i;
        random.Shuffle(order);
        var count = windowCount / batchSize;
        if (count == 0) return new EpochBatches(0, _ => throw new InvalidOperationException());
        var length = (long)windowCount * numSteps;
        Tensor inputs, targets;
        using (NewDisposeScope())
        {
            inputs = corpus.narrow(0, offset, length).view(windowCount, numSteps).DetachFromDisposeScope();
            targets = corpus.narrow(0, offset + 1, length).view(windowCount, numSteps).DetachFromDisposeScope();
        }
        var windows = tensor(order, device: corpus.device);
        return new EpochBatches(count, k =>
        {
            var rows = windows.narrow(0, (long)k * batchSize, batchSize);
            return new Minibatch(inputs.index_select(0, rows).t(), targets.index_select(0, rows).t());
        }, inputs, targets, windows);
    }
}

/// <summary>
/// One epoch's minibatches, made on demand so that each is created inside the caller's dispose scope
/// (a minibatch per scope); the epoch-wide views it cuts them from are freed with it (and only they
/// outlive the scope they were made in: intermediate views are freed at once).
/// </summary>
internal sealed class EpochBatches(int count, Func<int, Minibatch> make, params Tensor[] owned) : IDisposable
{
    public int Count => count;

    public Minibatch this[int index] =>
        (uint)index < (uint)count ? make(index) : throw new ArgumentOutOfRangeException(nameof(index), index, $"This epoch has {count} minibatches.");

    public void Dispose()
    {
        foreach (var tensor in owned) tensor.Dispose();
    }
}
