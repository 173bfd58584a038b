using System.Management.Automation;
using PSRnn.Engine.Data;
using PSRnn.Engine.Models;
using PSRnn.Engine.Training;

namespace PSRnn.Commands;

/// <summary>
/// Trains a model on text, streaming one record per completed epoch. The parameters are the
/// engine's <see cref="TrainingOptions"/> (their defaults too); the engine validates, prepares the
/// data, trains and checkpoints; this cmdlet writes records and progress.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "RnnTraining", DefaultParameterSetName = PipelineSet)]
[OutputType(typeof(EpochRecord))]
public sealed class InvokeRnnTrainingCommand : TextInputCmdlet
{
    private TrainingOptions options = new();

    [Parameter(Mandatory = true)]
    [ValidateNotNull]
    public RnnModel? Model { get; set; }

    [Parameter]
    public int Epochs { get => options.Epochs; set => options = options with { Epochs = value }; }

    [Parameter]
    public int BatchSize { get => options.BatchSize; set => options = options with { BatchSize = value }; }

    [Parameter]
    public int NumSteps { get => options.NumSteps; set => options = options with { NumSteps = value }; }

    [Parameter]
    public double LearningRate { get => options.LearningRate; set => options = options with { LearningRate = value }; }

    [Parameter]
    public double GradientClip { get => options.GradientClip; set => options = options with { GradientClip = value }; }

    /// <summary>Keep only the first N tokens of the text (d2l's max_tokens); 0 keeps all.</summary>
    [Parameter]
    public int MaxTokens { get => options.MaxTokens; set => options = options with { MaxTokens = value }; }

    [Parameter]
    public Sampling Sampling { get => options.Sampling; set => options = options with { Sampling = value }; }

    /// <summary>When the hidden state goes back to zeros. Default: Random -> EveryBatch, Sequential -> EveryEpoch.</summary>
    [Parameter]
    public StateReset? StateReset { get => options.StateReset; set => options = options with { StateReset = value }; }

    [Parameter]
    public OptimizerKind Optimizer { get => options.Optimizer; set => options = options with { Optimizer = value }; }

    [Parameter]
    public double WeightDecay { get => options.WeightDecay; set => options = options with { WeightDecay = value }; }

    /// <summary>Text measured after every epoch (ValidationPerplexity); not trained on.</summary>
    [Parameter]
    public string[]? ValidationText { get; set; }

    /// <summary>Share of the text held out from its end for validation instead of -ValidationText.</summary>
    [Parameter]
    public double ValidationFraction { get => options.ValidationFraction; set => options = options with { ValidationFraction = value }; }

    /// <summary>A model file rewritten (atomically) during training, loadable with Import-RnnModel.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CheckpointPath { get => options.CheckpointPath; set => options = options with { CheckpointPath = value }; }

    /// <summary>Write the checkpoint every N epochs (and after the last one).</summary>
    [Parameter]
    public int CheckpointEvery { get => options.CheckpointEvery; set => options = options with { CheckpointEvery = value }; }

    /// <summary>After an epoch whose validation loss is no better than the best, multiply the rate by this (e.g. 0.25); 1 keeps it.</summary>
    [Parameter]
    public double LearningRateDecay { get => options.LearningRateDecay; set => options = options with { LearningRateDecay = value }; }

    /// <summary>Stop after this many epochs in a row without a better validation loss; 0 never stops early.</summary>
    [Parameter]
    public int Patience { get => options.Patience; set => options = options with { Patience = value }; }

    /// <summary>A model file written (atomically) after every epoch that sets a new best validation loss.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? BestModelPath { get => options.BestModelPath; set => options = options with { BestModelPath = value }; }

    /// <summary>Validation streams run side by side (pytorch/examples evaluates with 10).</summary>
    [Parameter]
    public int ValidationBatchSize { get => options.ValidationBatchSize; set => options = options with { ValidationBatchSize = value }; }

    protected override void EndProcessing()
    {
        var model = Model!;
        var resolved = options with
        {
            CheckpointPath = CheckpointPath is null ? null : FileSystemPath(CheckpointPath),
            BestModelPath = BestModelPath is null ? null : FileSystemPath(BestModelPath),
        };
        using var run = Engine(() => Trainer.Start(model, resolved, Lines, ValidationText), model);
        WriteVerbose($"Training on {run.TrainingTokens} tokens (vocabulary {model.VocabularySize}), device {model.Device}, " +
                     $"{model.Threads} thread(s), {Sampling} sampling, state reset {run.StateReset}, {Optimizer}" +
                     (run.ValidationTokens is { } held ? $", validating on {held} tokens." : "."));
        var progress = new ProgressRecord(1, "Invoke-RnnTraining", $"Training {model}") { PercentComplete = 0 };
        WriteProgress(progress);
        var done = 0;
        try
        {
            foreach (var epoch in run.Epochs(Cancellation))
            {
                done++;
                progress.PercentComplete = 100 * done / Epochs;
                progress.StatusDescription = $"Epoch {epoch.Epoch}: perplexity {epoch.Perplexity:F3}, {epoch.TokensPerSecond:F0} tokens/s";
                WriteProgress(progress);
                if (run.LastCheckpointEpoch == epoch.Epoch) WriteVerbose($"Checkpoint after epoch {epoch.Epoch} written to {run.CheckpointPath}.");
                if (run.BestModelPath is not null && run.BestEpoch == epoch.Epoch) WriteVerbose($"Best validation loss so far: epoch {epoch.Epoch} written to {run.BestModelPath}.");
                if (epoch.StopReason is not null) WriteVerbose(epoch.StopReason);
                WriteObject(epoch);
            }
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: the epoch in flight is dropped; completed epochs stay recorded on the model.
            return;
        }
        catch (Exception e) when (ErrorFactory.TryTranslate(e, model) is { } record)
        {
            ThrowTerminatingError(record);
        }
        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);
    }
}
