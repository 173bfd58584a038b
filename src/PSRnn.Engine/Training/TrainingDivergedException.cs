namespace PSRnn.Engine.Training;

/// <summary>
/// The divergence rule: a minibatch's mean loss that is NaN, infinite, or above three times
/// max(ln V, 1) nats per token, that is, far worse than a model guessing uniformly among the V tokens
/// (ln V) ever scores. A finite explosion (a loss of 5e9 after a huge learning rate) is caught as
/// surely as a NaN, before its update reaches the weights; ordinary training never comes near it.
/// </summary>
public static class Divergence
{
    public static double LossLimit(int vocabularySize) => 3 * Math.Max(Math.Log(vocabularySize), 1);

    public static bool IsDiverged(double loss, int vocabularySize) => !double.IsFinite(loss) || loss > LossLimit(vocabularySize);
}

/// <summary>The loss broke <see cref="Divergence"/>'s rule; the trainer restores the last good weights before this reaches the caller.</summary>
public sealed class TrainingDivergedException(double loss, double limit, string? advice = null)
    : ArithmeticException((double.IsFinite(loss)
        ? $"Training diverged: a minibatch's loss reached {loss:G4} nats per token, above the limit of {limit:G4} (three times a uniform guess's). "
        : $"Training diverged: the loss became {loss}. ") + advice)
{
    public double Loss { get; } = loss;
    public double Limit { get; } = limit;
}
