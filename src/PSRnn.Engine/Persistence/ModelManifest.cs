using System.Text.Json;
using System.Text.Json.Serialization;
using PSRnn.Engine.Models;
using PSRnn.Engine.Text;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Persistence;

/// <summary>
/// The JSON part of a model file: everything but the tensors. <see cref="FormatVersion"/> rises
/// when a reader of the old version could no longer read a new file correctly.
/// </summary>
public sealed record ModelManifest
{
    public const string FormatName = "psrnn-model";
    public const int CurrentFormatVersion = 1;

    public string Format { get; init; } = FormatName;
    public int FormatVersion { get; init; } = CurrentFormatVersion;
    public string Writer { get; init; } = "";
    public required ModelSpec Spec { get; init; }
    public required TextOptions Text { get; init; }
    public required IReadOnlyList<string> Vocabulary { get; init; }
    public long Seed { get; init; }
    public int Threads { get; init; }
    public ComputeDevice Device { get; init; } = ComputeDevice.Cpu;
    public IReadOnlyList<EpochRecord> History { get; init; } = Array.Empty<EpochRecord>();
    public OptimizerManifest? Optimizer { get; init; }
    /// <summary>SHA-256 (hex) of every binary entry, so a flipped bit is caught before any tensor is read.</summary>
    public Dictionary<string, string> Entries { get; init; } = new();

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        // A history may hold an infinite perplexity (a loss of 5e9 still counts as an epoch's figure).
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}

public sealed record OptimizerManifest(OptimizerKind Kind, double LearningRate, double WeightDecay);
