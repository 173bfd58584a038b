using PSRnn.Engine.Text;
using PSRnn.Engine.Training;
using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

/// <summary>
/// What a user holds: the network, the vocabulary and text options it was built with, the seed
/// and device, and the history of completed training epochs.
/// </summary>
public sealed class RnnModel : IDisposable
{
    private readonly List<EpochRecord> history = new();
    private int busy;

    public RnnModel(ModelSpec spec, Vocabulary vocabulary, TextOptions textOptions, long seed, Device device, int threads)
    {
        spec.Validate();
        if (spec.VocabularySize != vocabulary.Count)
            throw new ArgumentException("The spec's vocabulary size differs from the vocabulary's.", nameof(spec));
        Spec = spec;
        Vocabulary = vocabulary;
        TextOptions = textOptions;
        Seed = seed;
        TorchDevice = device;
        Threads = threads;
        Network = NetworkFactory.Create(spec, seed, device);
    }

    public ModelSpec Spec { get; }
    public Vocabulary Vocabulary { get; }
    public TextOptions TextOptions { get; }
    public RecurrentNetwork Network { get; }
    public Device TorchDevice { get; }
    public long Seed { get; }
    public int Threads { get; }
    public IReadOnlyList<EpochRecord> History => history;

    /// <summary>The optimizer kept between training calls (and saved with the model).</summary>
    public OptimizerSlot Optimizer { get; } = new();

    public CellType CellType => Spec.CellType;
    public Implementation Implementation => Spec.Implementation;
    public int HiddenSize => Spec.HiddenSize;
    public int NumLayers => Spec.NumLayers;
    public double Dropout => Spec.Dropout;
    public int VocabularySize => Vocabulary.Count;
    public string Device => TorchDevice.type == TorchSharp.DeviceType.CUDA ? "Cuda" : "Cpu";
    public long ParameterCount => Network.parameters().Sum(p => p.numel());
    public int EpochsTrained => history.Count;
    public double? LastPerplexity => history.Count == 0 ? null : history[^1].Perplexity;

    /// <summary>Token indices of text in this model's vocabulary; refuses text that is empty or wholly unknown.</summary>
    public long[] Encode(IEnumerable<string> lines, int maxTokens = 0) => Read(lines, maxTokens).Indices;

    /// <summary>The text's tokens and their indices (<see cref="Encode"/>, for callers that show the tokens too).</summary>
    public (List<string> Tokens, long[] Indices) Read(IEnumerable<string> lines, int maxTokens = 0)
    {
        var tokens = TextOptions.Tokenize(lines, maxTokens);
        var indices = Vocabulary.Encode(tokens);
        if (indices.Length == 0)
            throw new TextRejectedException(TextProblem.EmptyText,
                "There is no text left after preprocessing (d2l's keeps only letters and single spaces). Give text that has letters in it.");
        if (indices.All(i => i == Vocabulary.UnknownIndex))
            throw new TextRejectedException(TextProblem.UnknownText,
                "Every token of the text is unknown to the model's vocabulary. Use text like the model's training text, or build a new model from this text.");
        return (tokens, indices);
    }

    internal void Record(EpochRecord epoch) => history.Add(epoch);

    /// <summary>
    /// Claims the model for one operation. A model is not safe to train or evaluate from two
    /// threads (runspaces) at once: the second caller gets <see cref="ModelBusyException"/>.
    /// </summary>
    public IDisposable Acquire(string operation)
    {
        if (Interlocked.CompareExchange(ref busy, 1, 0) != 0)
            throw new ModelBusyException(operation);
        return new Release(this);
    }

    /// <summary>Applies the model's thread count to libtorch (a process-wide setting).</summary>
    public void ApplyThreads()
    {
        if (get_num_threads() != Threads) set_num_threads(Threads);
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        Network.Dispose();
    }

    public override string ToString() =>
        $"{Implementation} {CellType}, {HiddenSize} hidden, vocabulary {VocabularySize}, {EpochsTrained} epochs";

    private sealed class Release(RnnModel model) : IDisposable
    {
        public void Dispose() => Interlocked.Exchange(ref model.busy, 0);
    }
}

public sealed class ModelBusyException(string operation)
    : InvalidOperationException($"The model is already in use by another operation, so {operation} cannot start. " +
                                "Use one model per runspace (create one per trial) or wait for the other run to finish.");
