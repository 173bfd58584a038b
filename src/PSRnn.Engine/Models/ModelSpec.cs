using PSRnn.Engine.Resources;

namespace PSRnn.Engine.Models;

public enum CellType
{
    /// <summary>Elman RNN: H = tanh(X W_xh + H W_hh + b_h).</summary>
    Rnn,
    /// <summary>Gated recurrent unit (reset and update gates).</summary>
    Gru,
    /// <summary>Long short-term memory (input, forget, output gates and a memory cell).</summary>
    Lstm,
}

public enum Implementation
{
    /// <summary>Explicit parameter tensors and a per-step loop, as in d2l's from-scratch sections.</summary>
    Scratch,
    /// <summary>libtorch's fused recurrent layer plus a Linear output layer.</summary>
    Fused,
}

/// <summary>The architecture of a recurrent language model.</summary>
/// <param name="Dropout">
/// One-hot models: dropout on the outputs of every layer but the last (as libtorch's layers do).
/// Embedding models: also on the embedding's output and on the top layer's output (pytorch/examples).
/// </param>
/// <param name="EmbeddingSize">Width of the embedding layer 0 reads; 0: layer 0 reads one-hot vectors (d2l).</param>
/// <param name="TieWeights">The output layer's weight is the embedding matrix itself (needs EmbeddingSize = HiddenSize).</param>
public sealed record ModelSpec(CellType CellType, Implementation Implementation, int HiddenSize, int VocabularySize,
                               int NumLayers = 1, double Dropout = 0, int EmbeddingSize = 0, bool TieWeights = false)
{
    /// <summary>What layer 0 reads per token: the embedding's width, or a one-hot vector of the vocabulary's.</summary>
    public int InputSize => EmbeddingSize > 0 ? EmbeddingSize : VocabularySize;

    public bool HasEmbedding => EmbeddingSize > 0;

    /// <summary>
    /// The embedding width when none is given: one-hot for characters (d2l's choice: a vocabulary of
    /// dozens), 200 for words (pytorch/examples' emsize), whose vocabularies of many thousands would
    /// make one-hot inputs a vocabulary-wide tensor and GEMM per step.
    /// </summary>
    public static int DefaultEmbeddingSize(bool wordTokens) => wordTokens ? 200 : 0;

    /// <summary>Bytes per parameter: models are float32.</summary>
    internal const int BytesPerValue = 4;

    /// <summary>Rows of the state tensor per layer: LSTM carries (h, c), the others h alone.</summary>
    public int StateRowsPerLayer => CellType == CellType.Lstm ? 2 : 1;

    /// <summary>Weight blocks per layer: one for an RNN, three gates for a GRU, four for an LSTM.</summary>
    public int Gates => CellType switch { CellType.Gru => 3, CellType.Lstm => 4, _ => 1 };

    /// <summary>
    /// The number of parameters, in closed form (checked: an absurd size overflows rather than wraps).
    /// Per layer, each gate has an input and a hidden matrix and one bias (scratch, d2l) or two (fused,
    /// libtorch); layer 0 reads the embedding (vocabulary x embedding) or one-hot vocabulary vectors,
    /// the others the layer below; the output layer maps hidden to vocabulary, with its own weight
    /// or, tied, the embedding's.
    /// </summary>
    public long ParameterCount
    {
        get
        {
            checked
            {
                long h = HiddenSize, v = VocabularySize, e = EmbeddingSize, biases = Implementation == Implementation.Fused ? 2 : 1;
                var firstLayer = Gates * (InputSize * h + h * h + biases * h);
                var upperLayer = Gates * (h * h + h * h + biases * h);
                var output = (TieWeights ? 0 : h * v) + v;
                return v * e + firstLayer + (NumLayers - 1) * upperLayer + output;
            }
        }
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first value out of range.</summary>
    public void Validate()
    {
        if (HiddenSize <= 0) throw new ArgumentOutOfRangeException(nameof(HiddenSize), HiddenSize, "HiddenSize must be a positive whole number (e.g. 256).");
        if (NumLayers <= 0) throw new ArgumentOutOfRangeException(nameof(NumLayers), NumLayers, "NumLayers must be a positive whole number (1 to 4 is usual).");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, "Dropout must be at least 0 and below 1 (e.g. 0.2).");
        if (VocabularySize < 2) throw new ArgumentOutOfRangeException(nameof(VocabularySize), VocabularySize, "The vocabulary needs at least one token besides <unk>.");
        if (EmbeddingSize < 0) throw new ArgumentOutOfRangeException(nameof(EmbeddingSize), EmbeddingSize, "EmbeddingSize must be 0 (one-hot input) or a positive whole number (e.g. 200).");
        if (TieWeights && EmbeddingSize != HiddenSize)
            throw new Training.ParameterConflictException(
                $"-TieWeights makes the output layer use the embedding matrix, so -EmbeddingSize must equal -HiddenSize ({HiddenSize}); it is {EmbeddingSize}. " +
                $"Give -EmbeddingSize {HiddenSize}, or leave out -TieWeights.");
    }

    /// <summary>Refuses, before anything is allocated, a model whose weights alone would not fit in memory.</summary>
    public void RequireMemory() =>
        MemoryBudget.Require(() => checked(ParameterCount * BytesPerValue),
            $"A {Implementation} {CellType} with {NumLayers} layer(s) of {HiddenSize}{(HasEmbedding ? $", an embedding of {EmbeddingSize}" : "")} and a vocabulary of {VocabularySize}",
            $"Lower {(HasEmbedding ? "-EmbeddingSize, " : "")}-HiddenSize or -NumLayers (or raise -MinFrequency to shrink the vocabulary).");
}
