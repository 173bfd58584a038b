using PSRnn.Engine.Text;
using PSRnn.Engine.Training;
using static TorchSharp.torch;

namespace PSRnn.Engine.Models;

/// <summary>
/// What a user holds: the network, the vocabulary and text options it was built with, the seed
/// and device, and the history of completed training epochs. Its libtorch memory is freed by
/// <see cref="Dispose"/> at once, or by the garbage collector once nothing refers to the model.
/// </summary>
public sealed class RnnModel : IDisposable
{
    private static int live;
    private readonly List<EpochRecord> history = new();
    private readonly IReadOnlyList<EpochRecord> historyView;
    private readonly ModelClaims claims;
    private readonly long nativeBytes;

    /// <param name="threads">libtorch threads for this model's work (a process-wide setting, applied per operation).</param>
    public RnnModel(ModelSpec spec, Vocabulary vocabulary, TextOptions textOptions, long seed,
                    ComputeDevice device = ComputeDevice.Cpu, int threads = Devices.DefaultThreads)
    {
        spec.Validate();
        textOptions.Validate();
        if (spec.VocabularySize != vocabulary.Count)
            throw new ArgumentException("The spec's vocabulary size differs from the vocabulary's.", nameof(spec));
        if (threads <= 0 || threads > Environment.ProcessorCount)
            throw new ArgumentOutOfRangeException("Threads", threads, $"give a number from 1 to {Environment.ProcessorCount} (this machine's processors).");
        spec.RequireMemory();
        Spec = spec;
        Vocabulary = vocabulary;
        TextOptions = textOptions;
        Seed = seed;
        Device = Devices.Resolve(device);
        Threads = threads;
        ParameterCount = spec.ParameterCount;
        Network = NetworkFactory.Create(spec, seed, Device.ToTorch());
        // The weights live outside the managed heap: tell the collector, so dropped models are collected in time.
        nativeBytes = ParameterCount * ModelSpec.BytesPerValue;
        GC.AddMemoryPressure(nativeBytes);
        Interlocked.Increment(ref live);
        claims = new ModelClaims(FreeNative);
        historyView = history.AsReadOnly(); // PowerShell could otherwise call List's Clear() on it
    }

    public ModelSpec Spec { get; }
    public Vocabulary Vocabulary { get; }
    public TextOptions TextOptions { get; }
    public long Seed { get; }
    public int Threads { get; }
    public ComputeDevice Device { get; }
    public IReadOnlyList<EpochRecord> History => historyView;
    public CellType CellType => Spec.CellType;
    public Implementation Implementation => Spec.Implementation;
    public int HiddenSize => Spec.HiddenSize;
    public int NumLayers => Spec.NumLayers;
    public double Dropout => Spec.Dropout;
    /// <summary>Width of the embedding layer 0 reads; 0 for one-hot input.</summary>
    public int EmbeddingSize => Spec.EmbeddingSize;
    public bool TieWeights => Spec.TieWeights;
    public int VocabularySize => Vocabulary.Count;
    public long ParameterCount { get; }
    public int EpochsTrained => history.Count;
    public double? LastPerplexity => history.Count == 0 ? null : history[^1].Perplexity;
    public bool IsDisposed => claims.IsDisposed;

    internal RecurrentNetwork Network { get; }

    /// <summary>The optimizer kept between training calls (and saved with the model).</summary>
    internal OptimizerSlot Optimizer { get; } = new();

    /// <summary>Models whose libtorch memory is not yet freed, in this process (for tests of freeing).</summary>
    internal static int LiveCount => Volatile.Read(ref live);

    /// <summary>
    /// The text's tokens and their indices; refuses text that is empty or wholly unknown to the vocabulary.
    /// A prompt (<paramref name="asPrompt"/>) is text to continue: its last line gets no -LineEnd token.
    /// </summary>
    public TokenizedText ReadText(IEnumerable<string> lines, int maxTokens = 0, bool asPrompt = false)
    {
        var tokens = TextOptions.Tokenize(lines, maxTokens, endLastLine: !asPrompt);
        var indices = Vocabulary.Encode(tokens);
        if (indices.Length == 0)
            throw new TextRejectedException(TextProblem.EmptyText,
                "There is no text left after preprocessing (d2l's keeps only letters and single spaces). Give text that has letters in it.");
        if (indices.All(i => i == Vocabulary.UnknownIndex))
            throw new TextRejectedException(TextProblem.UnknownText,
                "Every token of the text is unknown to the model's vocabulary. Use text like the model's training text, or build a new model from this text.");
        return new TokenizedText(tokens, indices);
    }

    internal void Record(EpochRecord epoch) => history.Add(epoch);

    /// <summary>Drops the last recorded epoch (one whose checkpoint could not be written).</summary>
    internal void ForgetLastEpoch() => history.RemoveAt(history.Count - 1);

    /// <summary>
    /// Holds the model alone for one operation and applies its threads. Another runspace gets
    /// <see cref="ModelBusyException"/>; a disposed model <see cref="ModelDisposedException"/>.
    /// </summary>
    internal IDisposable Claim(string operation)
    {
        var claim = claims.Operation(operation);
        if (get_num_threads() != Threads) set_num_threads(Threads);
        return claim;
    }

    /// <summary>As <see cref="Claim"/>, and refused between the epochs of a training run (work that replaces the weights).</summary>
    internal IDisposable ClaimOutsideTraining(string operation)
    {
        var claim = claims.Operation(operation, betweenEpochs: false);
        if (get_num_threads() != Threads) set_num_threads(Threads);
        return claim;
    }

    /// <summary>Forgets every recorded epoch: new weights from elsewhere have no PSRnn history.</summary>
    internal void ForgetHistory() => history.Clear();

    /// <summary>Holds the model for a training run (<see cref="ModelClaims.TrainingRun"/>).</summary>
    internal IDisposable ClaimTraining(Func<string> progress) => claims.TrainingRun(progress);

    /// <summary>Frees the model's libtorch memory now (or when the operation using it ends). The model cannot be used afterwards.</summary>
    public void Dispose()
    {
        claims.Dispose();
        GC.SuppressFinalize(this);
    }

    // TorchSharp frees a module's native memory only on Dispose, never from a finalizer, so a dropped
    // model would keep its weights for the life of the process. Unreachable means no claim is held.
    ~RnnModel() => FreeNative();

    private void FreeNative()
    {
        if (Network is null) return; // the constructor threw before the network existed
        Optimizer.Dispose();
        Network.Dispose();
        GC.RemoveMemoryPressure(nativeBytes);
        Interlocked.Decrement(ref live);
    }

    public override string ToString() =>
        $"{Implementation} {CellType}, {HiddenSize} hidden, vocabulary {VocabularySize}, {EpochsTrained} epochs" + (IsDisposed ? " (disposed)" : "");
}

/// <summary>Text as a model reads it: its tokens and their indices in the model's vocabulary.</summary>
public sealed record TokenizedText(IReadOnlyList<string> Tokens, long[] Indices);
