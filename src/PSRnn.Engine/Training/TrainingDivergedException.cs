namespace PSRnn.Engine.Training;

/// <summary>The loss became NaN or infinite; the trainer restores the last good weights before this reaches the caller.</summary>
public sealed class TrainingDivergedException(double loss, string? advice = null)
    : ArithmeticException($"Training diverged: the loss became {loss}. {advice}".TrimEnd())
{
    public double Loss { get; } = loss;
}
