namespace PSRnn.Engine.Data;

/// <summary>
/// d2l's two ways of cutting a token sequence into minibatches of [batch, steps] windows, each
/// starting at a random offset per epoch so that different epochs see different cuts.
/// </summary>
public static class SequenceSampler
{
    /// <summary>Minimum number of tokens a corpus needs to yield at least one minibatch.</summary>
    public static int MinimumTokens(Sampling sampling, int batchSize, int numSteps) => sampling switch
    {
        // Random: offset up to steps-1, then batch windows of steps tokens plus one target.
        Sampling.Random => batchSize * numSteps + numSteps,
        // Sequential: offset up to steps, then batch rows of at least steps tokens plus one target.
        _ => batchSize * numSteps + numSteps + 1,
    };

    public static IEnumerable<Minibatch> Batches(IReadOnlyList<long> corpus, Sampling sampling, int batchSize, int numSteps, Random random) =>
        sampling == Sampling.Random
            ? RandomBatches(corpus, batchSize, numSteps, random)
            : SequentialBatches(corpus, batchSize, numSteps, random);

    public static IEnumerable<Minibatch> RandomBatches(IReadOnlyList<long> corpus, int batchSize, int numSteps, Random random)
    {
        var offset = random.Next(numSteps);
        var windowCount = (corpus.Count - offset - 1) / numSteps;
        var starts = new int[Math.Max(windowCount, 0)];
        for (var i = 0; i < starts.Length; i++) starts[i] = offset + i * numSteps;
        random.Shuffle(starts);
        for (var first = 0; first + batchSize <= starts.Length; first += batchSize)
        {
            var inputs = new long[batchSize * numSteps];
            var targets = new long[batchSize * numSteps];
            for (var row = 0; row < batchSize; row++)
                CopyWindow(corpus, starts[first + row], numSteps, inputs, targets, row * numSteps);
            yield return new Minibatch(inputs, targets, batchSize, numSteps);
        }
    }

    public static IEnumerable<Minibatch> SequentialBatches(IReadOnlyList<long> corpus, int batchSize, int numSteps, Random random)
    {
        var offset = random.Next(numSteps + 1);
        var rowLength = Math.Max(corpus.Count - offset - 1, 0) / batchSize;
        for (var column = 0; column + numSteps <= rowLength; column += numSteps)
        {
            var inputs = new long[batchSize * numSteps];
            var targets = new long[batchSize * numSteps];
            for (var row = 0; row < batchSize; row++)
                CopyWindow(corpus, offset + row * rowLength + column, numSteps, inputs, targets, row * numSteps);
            yield return new Minibatch(inputs, targets, batchSize, numSteps);
        }
    }

    private static void CopyWindow(IReadOnlyList<long> corpus, int start, int length, long[] inputs, long[] targets, int at)
    {
        for (var t = 0; t < length; t++)
        {
            inputs[at + t] = corpus[start + t];
            targets[at + t] = corpus[start + t + 1];
        }
    }
}
