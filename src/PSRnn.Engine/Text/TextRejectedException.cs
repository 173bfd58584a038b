namespace PSRnn.Engine.Text;

public enum TextProblem
{
    /// <summary>Nothing is left after preprocessing.</summary>
    EmptyText,
    /// <summary>Every token maps to &lt;unk&gt;.</summary>
    UnknownText,
}

/// <summary>The text given cannot be used by the model; the message says what to give instead.</summary>
public sealed class TextRejectedException(TextProblem problem, string message) : ArgumentException(message)
{
    public TextProblem Problem { get; } = problem;
}
