using PSRnn.Engine.Models;
using PSRnn.Engine.Persistence;
using PSRnn.Engine.Resources;

namespace PSRnn.Engine.Training;

/// <summary>
/// d2l's training loop (SGD, cross-entropy, global-norm gradient clipping) with the state policy
/// as its own hyperparameter. <see cref="Start"/> checks everything a run needs before any work;
/// <see cref="TrainingRun.Epochs"/> then yields one record per completed epoch.
/// </summary>
public static class Trainer
{
    /// <summary>
    /// Prepares a run: validates the options, claims the model for the run (refusing a second run, or
    /// another runspace), turns the text into tokens on the model's device (with -MaxTokens and the
    /// validation split), checks the memory it needs and that the checkpoint and best-model paths may be written.
    /// </summary>
    public static TrainingRun Start(RnnModel model, TrainingOptions options, IEnumerable<string> text, IEnumerable<string>? validationText = null) =>
        Prepare(model, options, () => TrainingData.FromText(model, options, text, validationText));

    /// <summary>As <see cref="Start"/>, for token indices already in the model's vocabulary.</summary>
    internal static TrainingRun Start(RnnModel model, TrainingOptions options, long[] training, long[]? validation = null) =>
        Prepare(model, options, () => TrainingData.FromIndices(model, options, training, validation));

    private static TrainingRun Prepare(RnnModel model, TrainingOptions options, Func<TrainingData> data)
    {
        options.Validate();
        TrainingRun? run = null;
        var lease = model.ClaimTraining(() => run?.Progress ?? "starting");
        TrainingData? prepared = null;
        EpochLog? log = null;
        try
        {
            prepared = data();
            RequireMemory(model.Spec, options);
            if (prepared.ValidationTokens is { } held) RequireValidationMemory(model.Spec, options, held);
            var checkpoint = options.CheckpointPath is null ? null : ModelFile.CheckTarget(options.CheckpointPath, WriteRule.ReplaceModelFile, probe: true);
            var best = options.BestModelPath is null ? null : ModelFile.CheckTarget(options.BestModelPath, WriteRule.ReplaceModelFile, probe: true);
            if (checkpoint is not null && checkpoint == best)
                throw new ParameterConflictException("-CheckpointPath and -BestModelPath name the same file: give them different paths.");
            var logTarget = options.LogPath is null ? null : EpochLog.Target(options.LogPath);
            if (logTarget is not null && (logTarget == checkpoint || logTarget == best))
                throw new ParameterConflictException(
                    $"-LogPath and -{(logTarget == checkpoint ? "CheckpointPath" : "BestModelPath")} name the same file, but the log is CSV text and the other a model file: give them different paths.");
            // Last: opening the log creates it, which no refusal above may do.
            log = options.LogPath is null ? null : EpochLog.Open(options.LogPath);
            return run = new TrainingRun(model, options, prepared, checkpoint, best, log, lease);
        }
        catch
        {
            log?.Dispose();
            prepared?.Dispose();
            lease.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A lower bound of a run's memory: weights, gradients and the last good epoch's copy (Adam adds
    /// two moments), plus one minibatch's logits, their gradients and inputs (one-hot for fused layers without an embedding)
    /// and the activations autograd keeps per step and layer.
    /// </summary>
    private static void RequireMemory(ModelSpec spec, TrainingOptions options) =>
        MemoryBudget.Require(() => checked(ModelSpec.BytesPerValue * (
                spec.ParameterCount * (options.Optimizer == OptimizerKind.Adam ? 5 : 3)
                + (long)options.BatchSize * options.NumSteps * (spec.VocabularySize * (spec.Implementation == Implementation.Fused && !spec.HasEmbedding ? 4L : 3L)
                                                                 + (long)spec.NumLayers * spec.HiddenSize * spec.Gates * 2))),
            $"Training with batch size {options.BatchSize} and {options.NumSteps} steps",
            "Lower -BatchSize or -NumSteps, or train a smaller model.");

    /// <summary>One validation step holds logits and their softmax for every stream: streams x vocabulary values, twice.</summary>
    private static void RequireValidationMemory(ModelSpec spec, TrainingOptions options, long tokens) =>
        MemoryBudget.Require(() => checked(ModelSpec.BytesPerValue * 3 * Math.Min(options.ValidationBatchSize, Math.Max(1, tokens / 2)) * (long)spec.VocabularySize),
            $"Validation in {options.ValidationBatchSize:N0} streams over a vocabulary of {spec.VocabularySize:N0}",
            "Lower -ValidationBatchSize (pytorch/examples uses 10).");

    /// <summary>The generator an epoch's minibatch sampler draws from (its offset or its shuffle).</summary>
    internal static Random SamplerRandom(long seed, int epoch) => new(EpochSeed(seed, epoch));

    /// <summary>A fixed mix of seed and epoch (HashCode.Combine is randomised per process, so not that).</summary>
    public static int EpochSeed(long seed, int epoch)
    {
        var x = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)epoch);
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return (int)((x ^ (x >> 31)) & int.MaxValue);
    }
}
