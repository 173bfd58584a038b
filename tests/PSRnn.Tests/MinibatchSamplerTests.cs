using PSRnn.Engine.Data;
using Xunit;
using static TorchSharp.torch;

namespace PSRnn.Tests;

public class MinibatchSamplerTests
{
    // Token value == its position, so a batch tells exactly where in the corpus it came from.
    private static readonly long[] Positions = Enumerable.Range(0, 1000).Select(i => (long)i).ToArray();

    /// <summary>A minibatch read back row by row: Inputs[row * steps + t] (batch-major, as the tests index it).</summary>
    private sealed record Batch(long[] Inputs, long[] Targets, long BatchSize, long NumSteps);

    private static List<Batch> Batches(long[] corpus, Sampling sampling, int batchSize, int numSteps, Random random)
    {
        using var tokens = tensor(corpus);
        using var plan = MinibatchSampler.Plan(tokens, sampling, batchSize, numSteps, random);
        return Enumerable.Range(0, plan.Count).Select(k =>
        {
            using var scope = NewDisposeScope();
            var batch = plan[k];
            Assert.Equal(new long[] { numSteps, batchSize }, batch.Inputs.shape); // time-major
            return new Batch(batch.Inputs.t().contiguous().data<long>().ToArray(), batch.Targets.t().contiguous().data<long>().ToArray(),
                             batch.BatchSize, batch.NumSteps);
        }).ToList();
    }

    [Theory]
    [InlineData(Sampling.Sequential)]
    [InlineData(Sampling.Random)]
    public void BatchesHaveTheRequestedShapeAndTargetsAreTheNextTokens(Sampling sampling)
    {
        var batches = Batches(Positions, sampling, batchSize: 4, numSteps: 7, new Random(1)).ToList();
        Assert.NotEmpty(batches);
        foreach (var batch in batches)
        {
            Assert.Equal((4, 7), (batch.BatchSize, batch.NumSteps));
            Assert.Equal(28, batch.Inputs.Length);
            Assert.Equal(batch.Inputs.Select(x => x + 1), batch.Targets);
            for (var row = 0; row < 4; row++)
                for (var t = 1; t < 7; t++)
                    Assert.Equal(batch.Inputs[row * 7 + t - 1] + 1, batch.Inputs[row * 7 + t]);
        }
    }

    [Theory]
    [InlineData(Sampling.Sequential)]
    [InlineData(Sampling.Random)]
    public void NoTokenIsUsedTwiceInAnEpoch(Sampling sampling)
    {
        for (var seed = 0; seed < 20; seed++)
        {
            var inputs = Batches(Positions, sampling, 5, 9, new Random(seed)).SelectMany(b => b.Inputs).ToList();
            Assert.Equal(inputs.Count, inputs.Distinct().Count());
        }
    }

    [Fact]
    public void SequentialRowsContinueAcrossBatches()
    {
        var batches = Batches(Positions, Sampling.Sequential, 4, 7, new Random(3)).ToList();
        Assert.True(batches.Count > 1);
        for (var k = 1; k < batches.Count; k++)
            for (var row = 0; row < 4; row++)
                Assert.Equal(batches[k - 1].Inputs[row * 7 + 6] + 1, batches[k].Inputs[row * 7]);
    }

    [Fact]
    public void SequentialCountsFollowD2l()
    {
        // offset in [0, steps]; rows of (N - offset - 1) / batch tokens; rowLength / steps batches.
        for (var seed = 0; seed < 20; seed++)
        {
            var offsetProbe = new Random(seed).Next(8);
            var batches = Batches(Positions, Sampling.Sequential, 4, 7, new Random(seed)).ToList();
            Assert.Equal(offsetProbe, batches[0].Inputs[0]);
            Assert.Equal((1000 - offsetProbe - 1) / 4 / 7, batches.Count);
        }
    }

    [Fact]
    public void RandomWindowsStartOnTheEpochsGridAndCoverItOnce()
    {
        var batches = Batches(Positions, Sampling.Random, 4, 7, new Random(5)).ToList();
        var starts = batches.SelectMany(b => Enumerable.Range(0, 4).Select(row => b.Inputs[row * 7])).ToList();
        var offset = starts.Min() % 7;
        Assert.All(starts, s => Assert.Equal(offset, s % 7));
        Assert.Equal((1000 - offset - 1) / 7 / 4, batches.Count);
        Assert.NotEqual(starts.OrderBy(s => s), starts); // shuffled, not in corpus order
    }

    [Theory]
    [InlineData(Sampling.Sequential)]
    [InlineData(Sampling.Random)]
    public void MinimumTokensIsExactlyEnoughForOneBatchWhateverTheOffset(Sampling sampling)
    {
        var needed = MinibatchSampler.MinimumTokens(sampling, 4, 7);
        for (var seed = 0; seed < 50; seed++)
            Assert.NotEmpty(Batches(Positions[..(int)needed], sampling, 4, 7, new Random(seed)));
        var fewer = Enumerable.Range(0, 50).Count(seed => !Batches(Positions[..(int)(needed - 1)], sampling, 4, 7, new Random(seed)).Any());
        Assert.True(fewer > 0, "one token fewer must leave some offsets without a batch");
    }
}
