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
    /// <param name="validation">Text to measure after every epoch (null: none).</param>
    public static IEnumerable<EpochRecord> Train(RnnModel model, long[] corpus, TrainingOptions options,
                                                 CancellationToken cancellation = default, long[]? validation = null)
    {
        options.Validate();
        if (validation is { Length: < 2 })
            throw new CorpusTooShortException(validation.Length, 2,
                "validation needs at least 2. Raise -ValidationFraction, or give a longer -ValidationText.", "The validation text");
        var needed = SequenceSampler.MinimumTokens(options.Sampling, options.BatchSize, options.NumSteps);
        if (corpus.Length < needed)
            throw new CorpusTooShortException(corpus.Length, needed,
                $"batch size {options.BatchSize} with {options.NumSteps} steps needs at least {needed}. Give more text, or lower -BatchSize or -NumSteps.");
        return Run(model, corpus, options, cancellation, validation);
    }

    /// <summary>Splits off the last <paramref name="fraction"/> of a corpus for validation.</summary>
    public static (long[] Training, long[]? Validation) HoldOut(long[] corpus, double fraction)
    {
        if (fraction <= 0) return (corpus, null);
        var held = (int)Math.Round(corpus.Length * fraction);
        return (corpus[..^held], corpus[^held..]);
    }

    private static IEnumerable<EpochRecord> Run(RnnModel model, long[] corpus, TrainingOptions options, CancellationToken cancellation, long[]? validation)
    {
        using var claim = model.Acquire("training");
        model.ApplyThreads();
        var network = model.Network;
        var optimizer = model.Optimizer.For(network.parameters(), options);
        using var stepper = new MinibatchStepper(network, options.EffectiveStateReset, optimizer, options.GradientClip);
        using var lastGood = new WeightSnapshot(network, model.Optimizer);
        network.train();
        for (var i = 0; i < options.Epochs; i++)
        {
            var epoch = model.EpochsTrained + 1;
            // The sampler's randomness is a function of (seed, epoch): continued training stays reproducible.
            var random = new Random(EpochSeed(model.Seed, epoch));
            if (model.Dropout > 0) NetworkFactory.Reseed(EpochSeed(model.Seed, epoch));
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            long tokens = 0;
            stepper.ResetState();
            lastGood.Take();
            try
            {
                foreach (var batch in SequenceSampler.Batches(corpus, options.Sampling, options.BatchSize, options.NumSteps, random))
                {
                    cancellation.ThrowIfCancellationRequested();
                    var count = batch.BatchSize * batch.NumSteps;
                    lossSum += stepper.Step(batch) * count;
                    tokens += count;
                }
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C mid-epoch: drop the partial epoch, so the weights, the optimizer, History and
                // any checkpoint all describe the same completed epochs (and a resumed run stays exact).
                lastGood.Restore();
                throw;
            }
            catch (TrainingDivergedException diverged)
            {
                // Back to the weights and optimizer state after the last complete epoch (both may hold NaNs now).
                lastGood.Restore();
                throw new TrainingDivergedException(diverged.Loss,
                    $"The weights after epoch {epoch - 1} were restored. Lower -LearningRate (it is {options.LearningRate}) " +
                    $"or -GradientClip (it is {options.GradientClip}), then train again.");
            }
            clock.Stop();
            var checkedOn = validation is null ? null : Evaluation.Evaluator.PerplexityOf(network, validation);
            network.train();
            var meanLoss = lossSum / tokens;
            var record = Describe(model, options) with
            {
                Epoch = epoch,
                Loss = meanLoss,
                Perplexity = Math.Exp(meanLoss),
                Tokens = tokens,
                ValidationPerplexity = checkedOn?.Perplexity,
                ValidationLoss = checkedOn?.CrossEntropy,
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
        Optimizer = options.Optimizer,
        WeightDecay = options.WeightDecay,
        Dropout = model.Dropout,
        Seed = model.Seed,
        Threads = model.Threads,
        Device = model.Device,
    };
}

public sealed class CorpusTooShortException(int tokens, int needed, string requirement, string subject = "The text")
    : ArgumentException($"{subject} has {tokens} tokens, but {requirement}")
{
    public int Tokens { get; } = tokens;
    public int Needed { get; } = needed;
}
