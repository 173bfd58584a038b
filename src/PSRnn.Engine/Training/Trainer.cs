using System.Diagnostics;
using PSRnn.Engine.Data;
using PSRnn.Engine.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace PSRnn.Engine.Training;

/// <summary>
/// d2l's training loop (SGD, cross-entropy, global-norm gradient clipping) with the state policy
/// as its own hyperparameter. Epochs are yielded as they complete; cancellation is checked per
/// minibatch and leaves the model with only its completed epochs recorded.
/// </summary>
public static class Trainer
{
    public static IEnumerable<EpochRecord> Train(RnnModel model, long[] corpus, TrainingOptions options, CancellationToken cancellation = default)
    {
        options.Validate();
        var needed = SequenceSampler.MinimumTokens(options.Sampling, options.BatchSize, options.NumSteps);
        if (corpus.Length < needed)
            throw new CorpusTooShortException(corpus.Length, needed, options.BatchSize, options.NumSteps);
        return Run(model, corpus, options, cancellation);
    }

    private static IEnumerable<EpochRecord> Run(RnnModel model, long[] corpus, TrainingOptions options, CancellationToken cancellation)
    {
        using var claim = model.Acquire("training");
        model.ApplyThreads();
        var network = model.Network;
        using var optimizer = optim.SGD(network.parameters(), options.LearningRate);
        using var stepper = new MinibatchStepper(network, options.EffectiveStateReset, optimizer, options.GradientClip);
        network.train();
        for (var i = 0; i < options.Epochs; i++)
        {
            var epoch = model.EpochsTrained + 1;
            // The sampler's randomness is a function of (seed, epoch): continued training stays reproducible.
            var random = new Random(EpochSeed(model.Seed, epoch));
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            long tokens = 0;
            stepper.ResetState();
            foreach (var batch in SequenceSampler.Batches(corpus, options.Sampling, options.BatchSize, options.NumSteps, random))
            {
                cancellation.ThrowIfCancellationRequested();
                var count = batch.BatchSize * batch.NumSteps;
                lossSum += stepper.Step(batch) * count;
                tokens += count;
            }
            clock.Stop();
            var meanLoss = lossSum / tokens;
            var record = Describe(model, options) with
            {
                Epoch = epoch,
                Loss = meanLoss,
                Perplexity = Math.Exp(meanLoss),
                Tokens = tokens,
                Elapsed = clock.Elapsed,
                TokensPerSecond = tokens / clock.Elapsed.TotalSeconds,
            };
            model.Record(record);
            yield return record;
        }
    }

    /// <summary>A fixed mix of seed and epoch (HashCode.Combine is randomised per process, so not that).</summary>
    public static int EpochSeed(long seed, int epoch)
    {
        var x = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)epoch);
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return (int)((x ^ (x >> 31)) & int.MaxValue);
    }

    private static EpochRecord Describe(RnnModel model, TrainingOptions options) => new()
    {
        CellType = model.CellType,
        Implementation = model.Implementation,
        HiddenSize = model.HiddenSize,
        NumLayers = model.NumLayers,
        Sampling = options.Sampling,
        StateReset = options.EffectiveStateReset,
        BatchSize = options.BatchSize,
        NumSteps = options.NumSteps,
        LearningRate = options.LearningRate,
        GradientClip = options.GradientClip,
        MaxTokens = options.MaxTokens,
        Seed = model.Seed,
        Threads = model.Threads,
        Device = model.Device,
    };
}

public sealed class CorpusTooShortException(int tokens, int needed, int batchSize, int numSteps)
    : ArgumentException($"The text has {tokens} tokens, but batch size {batchSize} with {numSteps} steps needs at least {needed}. " +
                        "Give more text, or lower -BatchSize or -NumSteps.")
{
    public int Tokens { get; } = tokens;
    public int Needed { get; } = needed;
}
