using System.Management.Automation;
using PSRnn.Engine.Data;
using PSRnn.Engine.Models;
using PSRnn.Engine.Persistence;
using PSRnn.Engine.Training;

namespace PSRnn.Commands;

/// <summary>Trains a model on text with SGD, streaming one record per completed epoch.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "RnnTraining", DefaultParameterSetName = PipelineSet)]
[OutputType(typeof(EpochRecord))]
public sealed class InvokeRnnTrainingCommand : TextInputCmdlet
{
    [Parameter(Mandatory = true)]
    [ValidateNotNull]
    public RnnModel? Model { get; set; }

    [Parameter]
    public int Epochs { get; set; } = 10;

    [Parameter]
    public int BatchSize { get; set; } = 32;

    [Parameter]
    public int NumSteps { get; set; } = 35;

    [Parameter]
    public double LearningRate { get; set; } = 1.0;

    [Parameter]
    public double GradientClip { get; set; } = 1.0;

    /// <summary>Keep only the first N tokens of the text (d2l's max_tokens); 0 keeps all.</summary>
    [Parameter]
    public int MaxTokens { get; set; }

    [Parameter]
    public Sampling Sampling { get; set; } = Sampling.Sequential;

    /// <summary>When the hidden state goes back to zeros. Default: Random -> EveryBatch, Sequential -> EveryEpoch.</summary>
    [Parameter]
    public StateReset? StateReset { get; set; }

    [Parameter]
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Sgd;

    [Parameter]
    public double WeightDecay { get; set; }

    /// <summary>Text measured after every epoch (ValidationPerplexity); not trained on.</summary>
    [Parameter]
    public string[]? ValidationText { get; set; }

    /// <summary>Share of the text held out from its end for validation instead of -ValidationText.</summary>
    [Parameter]
    public double ValidationFraction { get; set; }

    /// <summary>A model file rewritten (atomically) during training, loadable with Import-RnnModel.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CheckpointPath { get; set; }

    /// <summary>Write the checkpoint every N epochs (and after the last one).</summary>
    [Parameter]
    public int CheckpointEvery { get; set; } = 1;

    protected override void EndProcessing()
    {
        var model = Model!;
        var options = new TrainingOptions
        {
            Epochs = Epochs, BatchSize = BatchSize, NumSteps = NumSteps, LearningRate = LearningRate,
            GradientClip = GradientClip, MaxTokens = MaxTokens, Sampling = Sampling, StateReset = StateReset,
            Optimizer = Optimizer, WeightDecay = WeightDecay, ValidationFraction = ValidationFraction,
        };
        Engine(options.Validate, options);
        if (CheckpointEvery <= 0)
            Fail("InvalidHyperparameter", ErrorCategory.InvalidArgument, $"CheckpointEvery is {CheckpointEvery}: give a positive number of epochs.", CheckpointEvery);
        if (ValidationText is not null && ValidationFraction > 0)
            Fail("ParameterConflict", ErrorCategory.InvalidArgument, "Give either -ValidationText or -ValidationFraction, not both.");
        var (corpus, validation) = Trainer.HoldOut(Engine(() => model.Encode(Lines, MaxTokens)), ValidationFraction);
        if (ValidationText is not null) validation = Engine(() => model.Encode(ValidationText), ValidationText);
        // A checkpoint path that cannot be written is refused now, not after the first epoch's work.
        var checkpoint = CheckpointPath is null ? null
            : Engine(() => ModelFile.CheckTarget(GetUnresolvedProviderPathFromPSPath(CheckpointPath), overwrite: true, probe: true), CheckpointPath);
        WriteVerbose($"Training on {corpus.Length} tokens (vocabulary {model.VocabularySize}), device {model.Device}, " +
                     $"{model.Threads} thread(s), {Sampling} sampling, state reset {options.EffectiveStateReset}, {Optimizer}" +
                     (validation is null ? "." : $", validating on {validation.Length} tokens."));
        var progress = new ProgressRecord(1, "Invoke-RnnTraining", $"Training {model}") { PercentComplete = 0 };
        WriteProgress(progress);
        var epochs = Engine(() => Trainer.Train(model, corpus, options, Cancellation, validation), model);
        var done = 0;
        try
        {
            foreach (var epoch in epochs)
            {
                done++;
                // The checkpoint comes before any Write*: those throw once Ctrl+C is pressed, and an
                // epoch the model has recorded must not miss its checkpoint.
                var checkpointed = checkpoint is not null && (done % CheckpointEvery == 0 || done == Epochs);
                if (checkpointed) ModelFile.Save(model, checkpoint!, overwrite: true);
                progress.PercentComplete = 100 * done / Epochs;
                progress.StatusDescription = $"Epoch {epoch.Epoch}: perplexity {epoch.Perplexity:F3}, {epoch.TokensPerSecond:F0} tokens/s";
                WriteProgress(progress);
                if (checkpointed) WriteVerbose($"Checkpoint after epoch {epoch.Epoch} written to {checkpoint}.");
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
        if (!Cancellation.IsCancellationRequested)
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
    }
}
