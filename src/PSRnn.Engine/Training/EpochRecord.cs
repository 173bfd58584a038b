using PSRnn.Engine.Data;
using PSRnn.Engine.Models;

namespace PSRnn.Engine.Training;

/// <summary>
/// One completed epoch with the run's hyperparameters beside the figures, so that a sweep's
/// records exported to CSV describe themselves.
/// </summary>
public sealed record EpochRecord
{
    public int Epoch { get; init; }
    public double Perplexity { get; init; }
    public double Loss { get; init; }
    public long Tokens { get; init; }
    /// <summary>Perplexity on the validation text after this epoch; null when there is none.</summary>
    public double? ValidationPerplexity { get; init; }
    public double? ValidationLoss { get; init; }
    /// <summary>Epochs in a row, up to this one, whose validation loss was no better than the run's best; null without validation.</summary>
    public int? EpochsWithoutImprovement { get; init; }
    /// <summary>Why the run ended after this epoch when it ended before -Epochs (-Patience); otherwise null.</summary>
    public string? StopReason { get; init; }
    public double TokensPerSecond { get; init; }
    public TimeSpan Elapsed { get; init; }
    public CellType CellType { get; init; }
    public Implementation Implementation { get; init; }
    public int HiddenSize { get; init; }
    public int NumLayers { get; init; }
    public Sampling Sampling { get; init; }
    public StateReset StateReset { get; init; }
    public int BatchSize { get; init; }
    public int NumSteps { get; init; }
    /// <summary>The rate this epoch trained with (-LearningRate, times -LearningRateDecay for each epoch that did not improve).</summary>
    public double LearningRate { get; init; }
    public double GradientClip { get; init; }
    public int MaxTokens { get; init; }
    public OptimizerKind Optimizer { get; init; }
    public double WeightDecay { get; init; }
    public double Dropout { get; init; }
    public int EmbeddingSize { get; init; }
    public bool TieWeights { get; init; }
    public long Seed { get; init; }
    public int Threads { get; init; }
    public ComputeDevice Device { get; init; } = ComputeDevice.Cpu;
}
