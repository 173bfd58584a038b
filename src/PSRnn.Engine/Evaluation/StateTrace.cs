using PSRnn.Engine.Models;

namespace PSRnn.Engine.Evaluation;

/// <summary>
/// The full recurrent state after each step, laid out as the network's state tensor:
/// rows [0, layers) hold each layer's h, and for an LSTM rows [layers, 2 layers) its c.
/// </summary>
public sealed class StateTrace(ModelSpec spec, float[][] steps)
{
    public int Steps => steps.Length;

    public bool HasCellState => spec.CellType == CellType.Lstm;

    /// <summary>Every layer's state after <paramref name="step"/> (0-based), flat: a valid -InitialState.</summary>
    public float[] Full(int step) => steps[step];

    public float[] Hidden(int step, int layer) => Row(step, layer);

    public float[]? Cell(int step, int layer) => HasCellState ? Row(step, spec.NumLayers + layer) : null;

    private float[] Row(int step, int row) => steps[step].AsSpan(row * spec.HiddenSize, spec.HiddenSize).ToArray();
}
