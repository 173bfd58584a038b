namespace PSRnn.Engine.Models;

public enum CellType { Rnn }

public enum Implementation
{
    /// <summary>Explicit parameter tensors and a per-step loop, as in d2l's from-scratch sections.</summary>
    Scratch,
    /// <summary>libtorch's fused recurrent layer plus a Linear output layer.</summary>
    Fused,
}

/// <summary>The architecture of a character-level recurrent language model.</summary>
public sealed record ModelSpec(CellType CellType, Implementation Implementation, int HiddenSize, int VocabularySize, int NumLayers = 1)
{
    /// <summary>Rows of the state tensor per layer: LSTM would carry (h, c), the others h alone.</summary>
    public int StateRowsPerLayer => 1;
}
