namespace PSRnn.Engine.Evaluation;

/// <summary>The top-layer hidden state right after reading <see cref="Token"/> (step 1 is the first token).</summary>
public sealed record HiddenStateStep(int Step, string Token, float[] State)
{
    public double Norm => Math.Sqrt(State.Sum(v => (double)v * v));
}

/// <summary>Text generated after a prefix.</summary>
public sealed record Prediction(string Prefix, string Text, string[] Tokens)
{
    /// <summary>The prefix followed by what the model generated.</summary>
    public string FullText => Prefix + Text;
}
