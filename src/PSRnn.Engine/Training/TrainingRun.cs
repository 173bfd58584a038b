using System.Diagnostics;
using PSRnn.Engine.Data;
using PSRnn.Engine.Evaluation;
using PSRnn.Engine.IO;
using PSRnn.Engine.Models;
using PSRnn.Engine.Persistence;

namespace PSRnn.Engine.Training;

/// <summary>
/// A prepared training run (<see cref="Trainer.Start"/>). Each epoch claims the model alone while
/// it runs, so between epochs, while its record is in the caller's pipeline, the same runspace can
/// predict, measure or export; other runspaces are refused until the run is disposed.
/// </summary>
public sealed class TrainingRun : IDisposable
{
    private readonly RnnModel model;
    private readonly TrainingData data;
    private readonly IDisposable lease;
    private readonly ValidationSchedule schedule;
    private readonly EpochLog? log;
    private int done;
    private bool started, disposed;

    internal TrainingRun(RnnModel model, TrainingOptions options, TrainingData data, string? checkpointPath, string? bestModelPath, EpochLog? log, IDisposable lease)
    {
        this.log = log;
        this.model = model;
        this.data = data;
        this.lease = lease;
        Options = options;
        CheckpointPath = checkpointPath;
        BestModelPath = bestModelPath;
        schedule = new ValidationSchedule(options);
    }

    public TrainingOptions Options { get; }
    public StateReset StateReset => Options.EffectiveStateReset;
    public long TrainingTokens => data.TrainingTokens;
    public long? ValidationTokens => data.ValidationTokens;
    /// <summary>The checkpoint's full path (a symbolic link followed); null without -CheckpointPath.</summary>
    public string? CheckpointPath { get; }
    /// <summary>The epoch log's full path; null without -LogPath.</summary>
    public string? LogPath => log?.Path;
    /// <summary>The epoch the checkpoint last took (model numbering); null before the first.</summary>
    public int? LastCheckpointEpoch { get; private set; }
    /// <summary>The best model's full path; null without -BestModelPath.</summary>
    public string? BestModelPath { get; }
    /// <summary>The epoch of the best validation loss so far in this run (model numbering); null before the first.</summary>
    public int? BestEpoch => schedule.BestEpoch;

    /// <summary>Epochs of this run completed so far (each recorded on the model).</summary>
    public int EpochsDone => done;

    internal string Progress => $"{done} of {Options.Epochs} epochs done";

    /// <summary>
    /// Runs the epochs one by one, yielding each record once the model holds the epoch and, when due,
    /// the checkpoint has it. Ctrl+C (cancellation, checked per minibatch) and divergence put back the
    /// weights and optimizer state of the last completed epoch before the exception leaves.
    /// <paramref name="onMinibatch"/> hears of every minibatch done (on this thread, mid-epoch: it must not use the model).
    /// </summary>
    public IEnumerable<EpochRecord> Epochs(CancellationToken cancellation = default, Action<MinibatchProgress>? onMinibatch = null)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (started) throw new InvalidOperationException("A training run's epochs can be enumerated once.");
        started = true;
        return Run(cancellation, onMinibatch);
    }

    private IEnumerable<EpochRecord> Run(CancellationToken cancellation, Action<MinibatchProgress>? onMinibatch)
    {
        var network = model.Network;
        using var lastGood = new WeightSnapshot(network, model.Optimizer);
        while (done < Options.Epochs && !schedule.Stopped)
        {
            cancellation.ThrowIfCancellationRequested();
            EpochRecord record;
            using (model.Claim($"training (epoch {model.EpochsTrained + 1}, {Progress})"))
                record = RunEpoch(network, lastGood, cancellation, onMinibatch);
            done++;
            yield return record;
        }
    }

    private EpochRecord RunEpoch(RecurrentNetwork network, WeightSnapshot lastGood, CancellationToken cancellation, Action<MinibatchProgress>? onMinibatch)
    {
        var epoch = model.EpochsTrained + 1;
        var optimizer = model.Optimizer.For(network.parameters(), Options with { LearningRate = schedule.LearningRate });
        // The sampler's randomness is a function of (seed, epoch): continued training stays reproducible.
        var random = Trainer.SamplerRandom(model.Seed, epoch);
        if (model.Dropout > 0) NetworkFactory.Reseed(Trainer.EpochSeed(model.Seed, epoch));
        lastGood.Take();
        network.train();
        var clock = Stopwatch.StartNew();
        double lossSum = 0;
        long tokens = 0;
        PerplexityResult? validation = null;
        try
        {
            using var stepper = new MinibatchStepper(network, StateReset, optimizer, Options.GradientClip);
            using var batches = MinibatchSampler.Plan(data.Training, Options.Sampling, Options.BatchSize, Options.NumSteps, random);
            var batchTokens = (long)Options.BatchSize * Options.NumSteps;
            for (var k = 0; k < batches.Count; k++)
            {
                cancellation.ThrowIfCancellationRequested();
                lossSum += stepper.Step(batches, k) * batchTokens;
                tokens += batchTokens;
                onMinibatch?.Invoke(new MinibatchProgress(epoch, k + 1, batches.Count, clock.Elapsed));
            }
            clock.Stop();
            if (data.Validation is not null) validation = Evaluator.PerplexityOf(network, data.Validation, Options.ValidationBatchSize, cancellation);
        }
        catch (TrainingDivergedException diverged)
        {
            lastGood.Restore();
            throw new TrainingDivergedException(diverged.Loss, diverged.Limit,
                $"{(epoch == 1 ? "The initial weights" : $"The weights after epoch {epoch - 1}")} were restored. Lower -LearningRate (it is {Options.LearningRate}) " +
                $"or -GradientClip (it is {Options.GradientClip}), then train again.");
        }
        catch
        {
            // Ctrl+C mid-epoch, or anything else that ends it (the caller's progress callback stopped by
            // its pipeline, an allocation refused): drop the partial epoch, so the weights, the optimizer,
            // History and any checkpoint all describe the same completed epochs (a resumed run stays exact).
            lastGood.Restore();
            throw;
        }
        finally
        {
            network.train();
        }
        var meanLoss = lossSum / tokens;
        var rate = schedule.LearningRate;
        var verdict = validation is null ? null : schedule.Judge(epoch, validation.CrossEntropy);
        var record = Describe() with
        {
            LearningRate = rate,
            EpochsWithoutImprovement = verdict?.EpochsWithoutImprovement,
            StopReason = verdict?.StopReason,
            Epoch = epoch,
            Loss = meanLoss,
            Perplexity = Math.Exp(meanLoss),
            Tokens = tokens,
            ValidationPerplexity = validation?.Perplexity,
            ValidationLoss = validation?.CrossEntropy,
            ElapsedSeconds = clock.Elapsed.TotalSeconds,
            TokensPerSecond = tokens / clock.Elapsed.TotalSeconds,
        };
        model.Record(record);
        try
        {
            if (verdict is { Improved: true } && BestModelPath is not null) WriteWithEpoch(BestModelPath, epoch, lastGood);
            var ordinal = done + 1;
            var last = ordinal == Options.Epochs || schedule.Stopped;
            if (CheckpointPath is not null && (ordinal % Options.CheckpointEvery == 0 || last))
            {
                WriteWithEpoch(CheckpointPath, epoch, lastGood);
                LastCheckpointEpoch = epoch;
            }
        }
        catch (FileException)
        {
            if (verdict is not null) schedule.Forget();
            throw;
        }
        log?.Append(record);
        return record;
    }

    /// <summary>
    /// A checkpoint or best-model file is part of the epoch: when it cannot be written (a full disk),
    /// the epoch is undone, so that no record exists that the file lacks and the model matches its History.
    /// </summary>
    private void WriteWithEpoch(string path, int epoch, WeightSnapshot lastGood)
    {
        try
        {
            ModelFile.Write(model, path, WriteRule.ReplaceModelFile);
        }
        catch (FileException e)
        {
            model.ForgetLastEpoch();
            lastGood.Restore();
            throw new FileException(e.Problem, e.FilePath,
                $"{e.Message} Epoch {epoch} was undone: the model is as it was after epoch {epoch - 1}, and its History ends there too. " +
                "Fix the cause and train on.", e);
        }
    }

    private EpochRecord Describe() => new()
    {
        CellType = model.CellType.ToString(),
        Implementation = model.Implementation.ToString(),
        HiddenSize = model.HiddenSize,
        NumLayers = model.NumLayers,
        Sampling = Options.Sampling.ToString(),
        StateReset = StateReset.ToString(),
        BatchSize = Options.BatchSize,
        NumSteps = Options.NumSteps,
        GradientClip = Options.GradientClip,
        MaxTokens = Options.MaxTokens,
        Optimizer = Options.Optimizer.ToString(),
        WeightDecay = Options.WeightDecay,
        Dropout = model.Dropout,
        EmbeddingSize = model.EmbeddingSize,
        TieWeights = model.TieWeights,
        Seed = model.Seed,
        Threads = model.Threads,
        Device = model.Device.ToString(),
    };

    /// <summary>Frees the run's token tensors and lets other runspaces use the model again.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        data.Dispose();
        log?.Dispose();
        lease.Dispose();
    }
}

/// <summary>Minibatch <see cref="Done"/> of <see cref="Count"/> of an epoch has run, <see cref="Elapsed"/> into it.</summary>
public readonly record struct MinibatchProgress(int Epoch, int Done, int Count, TimeSpan Elapsed);
