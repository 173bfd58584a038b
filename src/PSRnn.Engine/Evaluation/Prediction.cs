namespace PSRnn.Engine.Evaluation;

/// <summary>Text generated after a prefix.</summary>
public sealed record Prediction(string Prefix, string Text, string[] Tokens)
{
    /// <summary>The prefix followed by what the model generated.</summary>
    public string FullText => Prefix + Text;
}
