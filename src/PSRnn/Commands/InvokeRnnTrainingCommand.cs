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

    /// <summary>By name or position 0: the pipeline carries the text (<see cref="ModelBinding"/>).</summary>
    [Parameter(Mandatory = true, Position = 0)]
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

    /// <summary>A CSV file that gets one row per epoch, appended and flushed as the epoch ends (watch it with Get-Content -Wait).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LogPath { get => options.LogPath; set => options = options with { LogPath = value }; }

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

    protected override void ProcessText()
    {
        var model = Model!;
        var resolved = options with
        {
            CheckpointPath = CheckpointPath is null ? null : FileSystemPath(CheckpointPath),
            LogPath = LogPath is null ? null : FileSystemPath(LogPath),
            BestModelPath = BestModelPath is null ? null : FileSystemPath(BestModelPath),
        };
        using var run = Engine(() => Trainer.Start(model, resolved, Lines, ValidationText), model);
        WriteVerbose($"Training on {run.TrainingTokens} tokens (vocabulary {model.VocabularySize}), device {model.Device}, " +
                     $"{model.Threads} thread(s), {Sampling} sampling, state reset {run.StateReset}, {Optimizer}" +
                     (run.ValidationTokens is { } held ? $", validating on {held} tokens." : ".") +
                     (run.LogPath is { } log ? $" Logging every epoch to {log}." : ""));
        var progress = new TrainingProgress(WriteProgress, $"{model.Implementation} {model.CellType}, {model.HiddenSize} hidden", Epochs);
        try
        {
            foreach (var epoch in run.Epochs(Cancellation, progress.Minibatch))
            {
                progress.EpochDone(epoch);
                if (run.LastCheckpointEpoch == epoch.Epoch) WriteVerbose($"Checkpoint after epoch {epoch.Epoch} written to {run.CheckpointPath}.");
                if (run.BestModelPath is not null && run.BestEpoch == epoch.Epoch) WriteVerbose($"Best validation loss so far: epoch {epoch.Epoch} written to {run.BestModelPath}.");
                if (epoch.StopReason is not null) WriteVerbose(epoch.StopReason);
                WriteObject(epoch);
            }
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C mid-epoch: the epoch in flight is dropped; completed epochs stay recorded on the model.
            WarnStopped(model, run);
            return;
        }
        catch (PipelineStoppedException) when (Cancellation.IsCancellationRequested)
        {
            // Ctrl+C while a record was being written downstream (not Select-Object -First, which
            // stops upstream commands with a PipelineStoppedException of its own, and no Ctrl+C).
            WarnStopped(model, run);
            throw;
        }
        catch (Exception e) when (ErrorFactory.TryTranslate(e, model) is { } record)
        {
            ThrowTerminatingError(record);
        }
        progress.Complete();
    }

    /// <summary>
    /// A stopping pipeline refuses WriteWarning (it throws PipelineStoppedException), so the warning
    /// goes to the host's UI, which still shows it (a [powershell]'s Warning stream gets it too);
    /// -WarningAction or $WarningPreference SilentlyContinue/Ignore keeps it quiet, as they would a warning.
    /// </summary>
    private void WarnStopped(RnnModel model, TrainingRun run)
    {
        var preference = MyInvocation.BoundParameters.TryGetValue("WarningAction", out var given) ? given
            : SessionState.PSVariable.GetValue("WarningPreference");
        if (LanguagePrimitives.TryConvertTo(preference, out ActionPreference action) &&
            action is ActionPreference.SilentlyContinue or ActionPreference.Ignore) return;
        Host?.UI?.WriteWarningLine(StoppedMessage(model, run));
    }

    /// <summary>
    /// What a stopped run leaves, said at once: a "$r = ... | Invoke-RnnTraining" assignment loses the
    /// records already written, but the model's History holds them (and the checkpoint, when one was written).
    /// </summary>
    private string StoppedMessage(RnnModel model, TrainingRun run)
    {
        var completed = run.EpochsDone;
        var kept = completed == 0
            ? $"No epoch of this run completed; the model is as it was before it (epoch {model.EpochsTrained})."
            : $"The last completed epoch is epoch {model.EpochsTrained} ({completed} of {Epochs} in this run); the model holds its weights, " +
              "and the model's History property (e.g. $model.History) holds the record of every completed epoch.";
        var checkpoint = run.LastCheckpointEpoch is { } saved ? $" The checkpoint {run.CheckpointPath} holds epoch {saved}." : "";
        return $"Training stopped during epoch {model.EpochsTrained + 1}. {kept}{checkpoint}";
    }
}
