using PSRnn.Engine.Data;

namespace PSRnn.Engine.Training;

/// <summary>The batch-reset hyperparameter: when the hidden state goes back to zeros.</summary>
public enum StateReset
{
    /// <summary>Zeros at the start of every minibatch (d2l's policy for random sampling).</summary>
    EveryBatch,
    /// <summary>Zeros at the start of every epoch, carried (detached) across minibatches in between.</summary>
    EveryEpoch,
}

public enum OptimizerKind
{
    /// <summary>Plain stochastic gradient descent, as in d2l.</summary>
    Sgd,
    /// <summary>Adam with PyTorch's default betas (0.9, 0.999).</summary>
    Adam,
}

/// <summary>
/// Everything a training run applies, with its defaults (the cmdlet's parameters start from these),
/// checked once by <see cref="Validate"/> when the run starts.
/// </summary>
public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 32;
    public int NumSteps { get; init; } = 35;
    public double LearningRate { get; init; } = 1.0;
    public double GradientClip { get; init; } = 1.0;
    public int MaxTokens { get; init; }
    public Sampling Sampling { get; init; } = Sampling.Sequential;
    public StateReset? StateReset { get; init; }
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;
    public double WeightDecay { get; init; }
    /// <summary>Share of the corpus held out from its end for validation (0: none).</summary>
    public double ValidationFraction { get; init; }
    /// <summary>A model file rewritten (atomically) during training; null: none.</summary>
    public string? CheckpointPath { get; init; }
    /// <summary>A CSV file that gets one row per epoch, appended and flushed as it ends; null: none.</summary>
    public string? LogPath { get; init; }
    /// <summary>Write the checkpoint every N epochs, and after the last one.</summary>
    public int CheckpointEvery { get; init; } = 1;
    /// <summary>
    /// After an epoch whose validation loss is no better than the best so far, the rate is multiplied
    /// by this (pytorch/examples divides by 4: 0.25); 1 keeps the rate. Needs validation.
    /// </summary>
    public double LearningRateDecay { get; init; } = 1;
    /// <summary>Stop after this many epochs in a row without a better validation loss; 0: never early. Needs validation.</summary>
    public int Patience { get; init; }
    /// <summary>A model file written (atomically) after every epoch that sets a new best validation loss. Needs validation.</summary>
    public string? BestModelPath { get; init; }
    /// <summary>Validation streams run side by side, each carrying its state across chunks (pytorch/examples' eval batch size).</summary>
    public int ValidationBatchSize { get; init; } = 10;

    /// <summary>d2l ties the state policy to the sampler; this is that default when none is given.</summary>
    public StateReset EffectiveStateReset =>
        StateReset ?? (Sampling == Sampling.Random ? Training.StateReset.EveryBatch : Training.StateReset.EveryEpoch);

    /// <summary>The options that act on validation results, by parameter name, that are set.</summary>
    public IEnumerable<string> ValidationDependents()
    {
        if (LearningRateDecay != 1) yield return nameof(LearningRateDecay);
        if (Patience != 0) yield return nameof(Patience);
        if (BestModelPath is not null) yield return nameof(BestModelPath);
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first value out of range.</summary>
    public void Validate()
    {
        Positive(Epochs, nameof(Epochs));
        Positive(BatchSize, nameof(BatchSize));
        Positive(NumSteps, nameof(NumSteps));
        PositiveFinite(LearningRate, nameof(LearningRate));
        PositiveFinite(GradientClip, nameof(GradientClip));
        if (!(WeightDecay >= 0 && WeightDecay <= float.MaxValue))
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, $"WeightDecay must be 0 or a positive finite number {FloatRange}.");
        if (!(ValidationFraction >= 0 && ValidationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(ValidationFraction), ValidationFraction, "ValidationFraction must be at least 0 and below 1 (e.g. 0.1).");
        if (MaxTokens < 0) throw new ArgumentOutOfRangeException(nameof(MaxTokens), MaxTokens, "MaxTokens must be 0 (all tokens) or positive.");
        if (CheckpointEvery <= 0) throw new ArgumentOutOfRangeException(nameof(CheckpointEvery), CheckpointEvery, "give a positive number of epochs.");
        if (CheckpointPath is { Length: 0 }) throw new ArgumentOutOfRangeException(nameof(CheckpointPath), CheckpointPath, "give a file path, or none.");
        if (BestModelPath is { Length: 0 }) throw new ArgumentOutOfRangeException(nameof(BestModelPath), BestModelPath, "give a file path, or none.");
        if (!(LearningRateDecay > 0 && LearningRateDecay <= 1))
            throw new ArgumentOutOfRangeException(nameof(LearningRateDecay), LearningRateDecay, "LearningRateDecay must be above 0 and at most 1 (pytorch/examples uses 0.25).");
        if (Patience < 0) throw new ArgumentOutOfRangeException(nameof(Patience), Patience, "Patience must be 0 (never stop early) or a positive whole number of epochs.");
        Positive(ValidationBatchSize, nameof(ValidationBatchSize));
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive whole number.");
    }

    // libtorch applies rates and norms to float32 tensors: a larger double cannot be converted.
    private const string FloatRange = "no larger than 3.4E+38 (the float32 range libtorch computes in)";

    private static void PositiveFinite(double value, string name)
    {
        if (!(value > 0 && value <= float.MaxValue))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive finite number {FloatRange}.");
    }
}
