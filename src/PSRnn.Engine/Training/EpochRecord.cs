using System.Text.Json.Serialization;

namespace PSRnn.Engine.Training;

/// <summary>
/// One completed epoch with the run's hyperparameters beside the figures, so that a sweep's
/// records exported to CSV describe themselves. Every member is a number or a string, so the record
/// reads the same in every form it leaves in: CSV, ConvertTo-Json (which writes a .NET enum as its
/// number unless given -EnumsAsStrings, and a TimeSpan as an object of 15 fields), Clixml and
/// remoting. Hence the settings are their names (CellType "Lstm", Sampling "Random": the values of
/// New-RnnModel's and Invoke-RnnTraining's enum parameters) and the time is ElapsedSeconds.
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
    /// <summary>Wall-clock seconds of the epoch's training (validation not included).</summary>
    public double ElapsedSeconds { get; init; }

    /// <summary>Model files written before ElapsedSeconds hold each epoch's time as a TimeSpan ("elapsed").</summary>
    [JsonInclude, JsonPropertyName("elapsed"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    private TimeSpan? ElapsedFromOlderFiles { get => null; init => ElapsedSeconds = value?.TotalSeconds ?? ElapsedSeconds; }

    public string CellType { get; init; } = "";
    public string Implementation { get; init; } = "";
    public int HiddenSize { get; init; }
    public int NumLayers { get; init; }
    public string Sampling { get; init; } = "";
    public string StateReset { get; init; } = "";
    public int BatchSize { get; init; }
    public int NumSteps { get; init; }
    /// <summary>The rate this epoch trained with (-LearningRate, times -LearningRateDecay for each epoch that did not improve).</summary>
    public double LearningRate { get; init; }
    public double GradientClip { get; init; }
    public int MaxTokens { get; init; }
    public string Optimizer { get; init; } = "";
    public double WeightDecay { get; init; }
    public double Dropout { get; init; }
    public int EmbeddingSize { get; init; }
    public bool TieWeights { get; init; }
    public long Seed { get; init; }
    public int Threads { get; init; }
    public string Device { get; init; } = "Cpu";
}
