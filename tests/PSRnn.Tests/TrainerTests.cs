using PSRnn.Engine.Data;
using PSRnn.Engine.Models;
using PSRnn.Engine.Training;
using Xunit;

namespace PSRnn.Tests;

public class TrainerTests
{
    private static readonly string Text = TestData.Text(3000);

    private static List<Minibatch> SequentialBatches(RnnModel model) =>
        SequenceSampler.SequentialBatches(model.Encode(new[] { Text }), 4, 10, new Random(2)).ToList();

    [Fact]
    public void UnderEveryBatchABatchLossDoesNotDependOnTheBatchesBefore()
    {
        using var model = TestData.Model(Implementation.Scratch, Text);
        var batches = SequentialBatches(model);
        using var afterOthers = new MinibatchStepper(model.Network, StateReset.EveryBatch);
        afterOthers.Step(batches[0]);
        afterOthers.Step(batches[1]);
        using var alone = new MinibatchStepper(model.Network, StateReset.EveryBatch);
        Assert.Equal(alone.Step(batches[2]), afterOthers.Step(batches[2]));
    }

    [Fact]
    public void UnderEveryEpochTheCarriedStateChangesTheNextBatchLoss()
    {
        using var model = TestData.Model(Implementation.Scratch, Text);
        // Larger weights so that the carried state visibly moves the logits.
        using (TorchSharp.torch.no_grad()) foreach (var p in model.Network.parameters()) p.mul_(30);
        var batches = SequentialBatches(model);
        using var carried = new MinibatchStepper(model.Network, StateReset.EveryEpoch);
        carried.Step(batches[0]);
        carried.Step(batches[1]);
        using var fresh = new MinibatchStepper(model.Network, StateReset.EveryEpoch);
        Assert.True(Math.Abs(fresh.Step(batches[2]) - carried.Step(batches[2])) > 1e-4);
        // ResetState is the start of an epoch: the same batch then gives the fresh loss again.
        carried.ResetState();
        using var again = new MinibatchStepper(model.Network, StateReset.EveryEpoch);
        Assert.Equal(again.Step(batches[2]), carried.Step(batches[2]));
    }

    [Theory]
    [InlineData(Implementation.Scratch, Sampling.Sequential)]
    [InlineData(Implementation.Fused, Sampling.Random)]
    public void ASeededRunIsReproducibleAndLowersPerplexity(Implementation implementation, Sampling sampling)
    {
        var options = new TrainingOptions { Epochs = 4, BatchSize = 8, NumSteps = 10, Sampling = sampling };
        double[] Run()
        {
            using var model = TestData.Model(implementation, Text, hidden: 32, seed: 21);
            var records = Trainer.Train(model, model.Encode(new[] { Text }), options).ToList();
            Assert.Equal(records.Count, model.EpochsTrained);
            return records.Select(r => r.Perplexity).ToArray();
        }
        var first = Run();
        Assert.Equal(first, Run());
        Assert.True(first[^1] < first[0], $"perplexity went from {first[0]} to {first[^1]}");
    }

    [Fact]
    public void ContinuedTrainingNumbersEpochsOnAndDefaultsStateResetFromTheSampler()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        var corpus = model.Encode(new[] { Text });
        var first = Trainer.Train(model, corpus, new TrainingOptions { Epochs = 2, BatchSize = 8, NumSteps = 10, Sampling = Sampling.Random }).ToList();
        var second = Trainer.Train(model, corpus, new TrainingOptions { Epochs = 1, BatchSize = 8, NumSteps = 10 }).ToList();
        Assert.Equal(new[] { 1, 2, 3 }, first.Concat(second).Select(r => r.Epoch));
        Assert.Equal(StateReset.EveryBatch, first[0].StateReset);
        Assert.Equal(StateReset.EveryEpoch, second[0].StateReset);
        Assert.Equal(3, model.History.Count);
    }

    [Fact]
    public void ValidationIsMeasuredEveryEpochOnTheHeldOutTail()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        var corpus = model.Encode(new[] { Text });
        var (training, validation) = Trainer.HoldOut(corpus, 0.2);
        Assert.Equal(corpus.Length, training.Length + validation!.Length);
        Assert.Equal(corpus[^validation.Length..], validation);
        var records = Trainer.Train(model, training, new TrainingOptions { Epochs = 2, BatchSize = 4, NumSteps = 8, ValidationFraction = 0.2 }, validation: validation).ToList();
        Assert.All(records, r => Assert.NotNull(r.ValidationPerplexity));
        // The epoch's figure is the model's perplexity on that text right after the epoch.
        Assert.Equal(PSRnn.Engine.Evaluation.Evaluator.Perplexity(model, validation).Perplexity, records[^1].ValidationPerplexity!.Value, precision: 9);
        Assert.True(model.Network.training, "training mode is restored after validation");
        Assert.Equal(validation, Trainer.HoldOut(corpus, 0.2).Validation);
        Assert.Null(Trainer.HoldOut(corpus, 0).Validation);
    }

    [Fact]
    public void AdamKeepsItsStateAcrossTrainingCallsAndAnotherKindStartsAfresh()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        var corpus = model.Encode(new[] { Text });
        var adam = new TrainingOptions { Epochs = 1, BatchSize = 4, NumSteps = 8, Optimizer = OptimizerKind.Adam, LearningRate = 0.01, WeightDecay = 1e-4 };
        var first = Trainer.Train(model, corpus, adam).Single();
        var kept = model.Optimizer.Current;
        Assert.Equal((OptimizerKind.Adam, 1e-4), (first.Optimizer, first.WeightDecay));
        Trainer.Train(model, corpus, adam with { LearningRate = 0.005 }).Single();
        Assert.Same(kept, model.Optimizer.Current);
        Assert.Equal(0.005, model.Optimizer.Current!.ParamGroups.Single().LearningRate);
        Trainer.Train(model, corpus, adam with { Optimizer = OptimizerKind.Sgd }).Single();
        Assert.NotSame(kept, model.Optimizer.Current);
        Assert.True(Evaluation(model) < first.Perplexity * 1.5);
    }

    [Fact]
    public void CancellationStopsWithinAnEpochAndKeepsOnlyCompletedEpochs()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        using var cancel = new CancellationTokenSource();
        var seen = 0;
        Assert.Throws<OperationCanceledException>(() =>
        {
            foreach (var _ in Trainer.Train(model, model.Encode(new[] { Text }), new TrainingOptions { Epochs = 50, BatchSize = 4, NumSteps = 5 }, cancel.Token))
            {
                if (++seen == 2) cancel.Cancel();
            }
        });
        Assert.Equal(2, model.EpochsTrained);
        Assert.True(Evaluation(model) > 1);
    }

    private static double Evaluation(RnnModel model) =>
        PSRnn.Engine.Evaluation.Evaluator.Perplexity(model, model.Encode(new[] { Text })).Perplexity;

    [Fact]
    public void TooShortACorpusAndBadHyperparametersAreRefusedBeforeTraining()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        var corpus = model.Encode(new[] { Text });
        var tooShort = Assert.Throws<CorpusTooShortException>(() => Trainer.Train(model, corpus[..50], new TrainingOptions()));
        Assert.Equal(32 * 35 + 35 + 1, tooShort.Needed);
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Train(model, corpus, new TrainingOptions { WeightDecay = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Train(model, corpus, new TrainingOptions { ValidationFraction = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Train(model, corpus, new TrainingOptions { LearningRate = double.NaN }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Train(model, corpus, new TrainingOptions { GradientClip = double.PositiveInfinity }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Train(model, corpus, new TrainingOptions { Epochs = 0 }));
        Assert.Equal(0, model.EpochsTrained);
    }

    [Fact]
    public void DivergenceStopsTrainingAndRestoresTheLastGoodWeights()
    {
        using var model = TestData.Model(Implementation.Scratch, Text);
        var corpus = model.Encode(new[] { Text });
        Trainer.Train(model, corpus, new TrainingOptions { Epochs = 1, BatchSize = 4, NumSteps = 8 }).ToList();
        var good = model.Network.parameters().Select(p => p.detach().clone()).ToList();
        var wild = new TrainingOptions { Epochs = 3, BatchSize = 4, NumSteps = 8, LearningRate = 1e38, GradientClip = 1e30 };
        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Train(model, corpus, wild).ToList());
        Assert.Contains("Lower -LearningRate", e.Message);
        Assert.Equal(1, model.EpochsTrained);
        Assert.All(model.Network.parameters().Zip(good), pair => Assert.True(pair.First.allclose(pair.Second, rtol: 0, atol: 0)));
        Assert.True(double.IsFinite(Evaluation(model)));
    }

    [Fact]
    public void CancellingMidEpochPutsBackTheWeightsAndOptimizerStateOfTheLastCompletedEpoch()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        var corpus = model.Encode(new[] { Text });
        var adam = new TrainingOptions { Epochs = 1, BatchSize = 4, NumSteps = 8, Optimizer = OptimizerKind.Adam, LearningRate = 0.01 };
        Trainer.Train(model, corpus, adam).ToList();
        var good = model.Network.parameters().Select(p => p.detach().clone()).ToList();
        using var twin = TestData.Model(Implementation.Fused, Text);
        Trainer.Train(twin, corpus, adam).ToList();

        // One token per minibatch row: about a thousand minibatches, so the cancel lands mid-epoch.
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        Assert.ThrowsAny<OperationCanceledException>(() => Trainer.Train(model, corpus, adam with { Epochs = 5, BatchSize = 1, NumSteps = 2 }, stop.Token).ToList());

        Assert.Equal(1, model.EpochsTrained);
        Assert.All(model.Network.parameters().Zip(good), pair => Assert.True(pair.First.allclose(pair.Second, rtol: 0, atol: 0)));
        // Adam's moments went back too: the next epoch is the one a model never interrupted trains.
        var next = adam with { Epochs = 1 };
        Assert.Equal(Trainer.Train(twin, corpus, next).Single().Perplexity, Trainer.Train(model, corpus, next).Single().Perplexity);
    }

    [Theory]
    [InlineData(Implementation.Scratch, CellType.Lstm, StateReset.EveryEpoch)]
    [InlineData(Implementation.Fused, CellType.Rnn, StateReset.EveryEpoch)]
    [InlineData(Implementation.Fused, CellType.Gru, StateReset.EveryBatch)]
    public void TrainingAndEvaluationLeaveNoLiveTensorBehind(Implementation implementation, CellType cell, StateReset reset)
    {
        // Live tensors are counted per thread, so tests running beside this one do not disturb it.
        var statistics = TorchSharp.DisposeScopeManager.Statistics;
        var options = new TrainingOptions { Epochs = 3, BatchSize = 4, NumSteps = 8, StateReset = reset, Optimizer = OptimizerKind.Adam, LearningRate = 0.01 };
        using var model = TestData.Model(implementation, Text, cell: cell);
        var corpus = model.Encode(new[] { Text });
        var (training, validation) = Trainer.HoldOut(corpus, 0.1);
        Trainer.Train(model, training, options with { Epochs = 1 }, validation: validation).ToList(); // the optimizer's own state is created once
        var before = statistics.ThreadTotalLiveCount;
        Trainer.Train(model, training, options, validation: validation).ToList();
        PSRnn.Engine.Evaluation.Evaluator.Perplexity(model, corpus);
        PSRnn.Engine.Evaluation.Evaluator.Trace(model, corpus[..20]);
        PSRnn.Engine.Evaluation.TextGenerator.Continue(model, corpus[..5], 10, new PSRnn.Engine.Evaluation.Sampler(Temperature: 1));
        Assert.Equal(before, statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void AModelInUseRefusesASecondOperation()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        using var claim = model.Acquire("a test");
        Assert.Throws<ModelBusyException>(() => Trainer.Train(model, model.Encode(new[] { Text }), new TrainingOptions { BatchSize = 4, NumSteps = 5 }).First());
    }
}
