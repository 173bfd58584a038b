namespace PSRnn.Engine.Evaluation;

/// <summary>Mean next-token cross-entropy (nats) over <see cref="Tokens"/> predictions, and its exponential.</summary>
public sealed record PerplexityResult(double Perplexity, double CrossEntropy, long Tokens);
