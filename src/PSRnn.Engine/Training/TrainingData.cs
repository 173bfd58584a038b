using PSRnn.Engine.Data;
using PSRnn.Engine.Models;
using static TorchSharp.torch;

namespace PSRnn.Engine.Training;

/// <summary>
/// A run's text as the trainer uses it: tokens (after -MaxTokens), the validation tokens (held out
/// from the end, or from their own text), each one tensor on the model's device.
/// </summary>
internal sealed class TrainingData : IDisposable
{
    private TrainingData(Tensor training, Tensor? validation) => (Training, Validation) = (training, validation);

    public Tensor Training { get; }
    public Tensor? Validation { get; }
    public long TrainingTokens => Training.size(0);
    public long? ValidationTokens => Validation?.size(0);

    public static TrainingData FromText(RnnModel model, TrainingOptions options, IEnumerable<string> text, IEnumerable<string>? validationText)
    {
        if (validationText is not null && options.ValidationFraction > 0)
            throw new ParameterConflictException("Give either -ValidationText or -ValidationFraction, not both.");
        var tokens = model.ReadText(text, options.MaxTokens).Indices;
        long[]? validation = null;
        if (validationText is not null) validation = model.ReadText(validationText).Indices;
        else if (options.ValidationFraction > 0)
        {
            var held = (int)Math.Round(tokens.Length * options.ValidationFraction);
            (tokens, validation) = (tokens[..^held], tokens[^held..]);
        }
        return FromIndices(model, options, tokens, validation);
    }

    public static TrainingData FromIndices(RnnModel model, TrainingOptions options, long[] training, long[]? validation)
    {
        if (validation is null && options.ValidationDependents().FirstOrDefault() is { } dependent)
            throw new ValidationRequiredException(dependent);
        if (validation is { Length: < 2 })
            throw new CorpusTooShortException(validation.Length, 2,
                "validation needs at least 2. Raise -ValidationFraction, or give a longer -ValidationText.", "The validation text");
        var needed = MinibatchSampler.MinimumTokens(options.Sampling, options.BatchSize, options.NumSteps);
        if (training.Length < needed)
        {
            var advice = options.MaxTokens > 0 && options.MaxTokens < needed
                ? $"Raise -MaxTokens (it keeps the first {options.MaxTokens}), or lower -BatchSize or -NumSteps."
                : options.ValidationFraction > 0
                    ? "Give more text, lower -ValidationFraction, or lower -BatchSize or -NumSteps."
                    : "Give more text, or lower -BatchSize or -NumSteps.";
            throw new CorpusTooShortException(training.Length, needed,
                $"batch size {options.BatchSize} with {options.NumSteps} steps needs at least {needed:N0}. {advice}");
        }
        var device = model.Network.Device;
        return new TrainingData(tensor(training, device: device), validation is null ? null : tensor(validation, device: device));
    }

    public void Dispose()
    {
        Training.Dispose();
        Validation?.Dispose();
    }
}

public sealed class CorpusTooShortException(long tokens, long needed, string requirement, string subject = "The text")
    : ArgumentException($"{subject} has {tokens:N0} tokens, but {requirement}")
{
    public long Tokens { get; } = tokens;
    public long Needed { get; } = needed;
}

/// <summary>Two parameters that cannot be given together.</summary>
public sealed class ParameterConflictException(string message) : ArgumentException(message);

/// <summary>An option that acts on validation results was given without validation text.</summary>
public sealed class ValidationRequiredException(string parameter)
    : ArgumentException($"-{parameter} acts on the validation perplexity after each epoch, and this run has none. " +
                        "Give -ValidationFraction (e.g. 0.1) or -ValidationText as well.")
{
    public string Parameter { get; } = parameter;
}
