namespace PSRnn.Engine.Evaluation;

/// <summary>
/// One layer's hidden state right after reading <see cref="Token"/> (step 1 is the first token);
/// <see cref="CellState"/> is the LSTM memory cell (null for other cells); <see cref="FullState"/>
/// is every layer's state, usable as -InitialState.
/// </summary>
public sealed record HiddenStateStep(int Step, string Token, int Layer, float[] State, float[]? CellState, float[] FullState)
{
    public double Norm => Math.Sqrt(State.Sum(v => (double)v * v));
}
