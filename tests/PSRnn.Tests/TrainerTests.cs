using PSRnn.Engine.Data;
using PSRnn.Engine.Models;
using PSRnn.Engine.Training;
using Xunit;

namespace PSRnn.Tests;

public class TrainerTests
{
    private static readonly string Text = TestData.Text(3000);

    private static EpochBatches SequentialBatches(RnnModel model) =>
        MinibatchSampler.Plan(TorchSharp.torch.tensor(TestData.Tokens(model, Text)), Sampling.Sequential, 4, 10, new Random(2));

    [Fact]
    public void UnderEveryBatchABatchLossDoesNotDependOnTheBatchesBefore()
    {
        using var model = TestData.Model(Implementation.Scratch, Text);
        using var batches = SequentialBatches(model);
        using var afterOthers = new MinibatchStepper(model.Network, StateReset.EveryBatch);
        afterOthers.Step(batches, 0);
        afterOthers.Step(batches, 1);
        using var alone = new MinibatchStepper(model.Network, StateReset.EveryBatch);
        Assert.Equal(alone.Step(batches, 2), afterOthers.Step(batches, 2));
    }

    [Fact]
    public void UnderEveryEpochTheCarriedStateChangesTheNextBatchLoss()
    {
        using var model = TestData.Model(Implementation.Scratch, Text);
        // Larger weights so that the carried state visibly moves the logits.
        using (TorchSharp.torch.no_grad()) foreach (var p in model.Network.parameters()) p.mul_(30);
        using var batches = SequentialBatches(model);
        using var carried = new MinibatchStepper(model.Network, StateReset.EveryEpoch);
        carried.Step(batches, 0);
        carried.Step(batches, 1);
        using var fresh = new MinibatchStepper(model.Network, StateReset.EveryEpoch);
        Assert.True(Math.Abs(fresh.Step(batches, 2) - carried.Step(batches, 2)) > 1e-4);
        // ResetState is the start of an epoch: the same batch then gives the fresh loss again.
        carried.ResetState();
        using var again = new MinibatchStepper(model.Network, StateReset.EveryEpoch);
        Assert.Equal(again.Step(batches, 2), carried.Step(batches, 2));
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
            var records = TestData.Train(model, TestData.Tokens(model, Text), options).ToList();
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
        var corpus = TestData.Tokens(model, Text);
        var first = TestData.Train(model, corpus, new TrainingOptions { Epochs = 2, BatchSize = 8, NumSteps = 10, Sampling = Sampling.Random }).ToList();
        var second = TestData.Train(model, corpus, new TrainingOptions { Epochs = 1, BatchSize = 8, NumSteps = 10 }).ToList();
        Assert.Equal(new[] { 1, 2, 3 }, first.Concat(second).Select(r => r.Epoch));
        Assert.Equal(nameof(StateReset.EveryBatch), first[0].StateReset);
        Assert.Equal(nameof(StateReset.EveryEpoch), second[0].StateReset);
        Assert.Equal(3, model.History.Count);
    }

    [Fact]
    public void ValidationIsMeasuredEveryEpochOnTheHeldOutTail()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        var corpus = TestData.Tokens(model, Text);
        var options = new TrainingOptions { Epochs = 2, BatchSize = 4, NumSteps = 8, ValidationFraction = 0.2, ValidationBatchSize = 1 };
        var held = (int)Math.Round(corpus.Length * 0.2);
        List<EpochRecord> records;
        using (var run = Trainer.Start(model, options, new[] { Text }))
        {
            // The last fifth of the tokens is held out, the rest is trained on.
            Assert.Equal((corpus.Length - held, (long?)held), (run.TrainingTokens, run.ValidationTokens));
            records = run.Epochs().ToList();
        }
        Assert.All(records, r => Assert.NotNull(r.ValidationPerplexity));
        // The epoch's figure is the model's perplexity on the held-out tail right after the epoch.
        Assert.Equal(PSRnn.Engine.Evaluation.Evaluator.Perplexity(model, corpus[^held..]).Perplexity, records[^1].ValidationPerplexity!.Value, precision: 9);
        Assert.True(model.Network.training, "training mode is restored after validation");
    }

    [Fact]
    public void AdamKeepsItsStateAcrossTrainingCallsAndAnotherKindStartsAfresh()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        var corpus = TestData.Tokens(model, Text);
        var adam = new TrainingOptions { Epochs = 1, BatchSize = 4, NumSteps = 8, Optimizer = OptimizerKind.Adam, LearningRate = 0.01, WeightDecay = 1e-4 };
        var first = TestData.Train(model, corpus, adam).Single();
        var kept = model.Optimizer.Current;
        Assert.Equal((nameof(OptimizerKind.Adam), 1e-4), (first.Optimizer, first.WeightDecay));
        TestData.Train(model, corpus, adam with { LearningRate = 0.005 }).Single();
        Assert.Same(kept, model.Optimizer.Current);
        Assert.Equal(0.005, model.Optimizer.Current!.ParamGroups.Single().LearningRate);
        TestData.Train(model, corpus, adam with { Optimizer = OptimizerKind.Sgd }).Single();
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
            using var run = Trainer.Start(model, new TrainingOptions { Epochs = 50, BatchSize = 4, NumSteps = 5 }, TestData.Tokens(model, Text));
            foreach (var _ in run.Epochs(cancel.Token))
            {
                if (++seen == 2) cancel.Cancel();
            }
        });
        Assert.Equal(2, model.EpochsTrained);
        Assert.True(Evaluation(model) > 1);
    }

    private static double Evaluation(RnnModel model) =>
        PSRnn.Engine.Evaluation.Evaluator.Perplexity(model, TestData.Tokens(model, Text)).Perplexity;

    [Fact]
    public void TooShortACorpusAndBadHyperparametersAreRefusedBeforeTraining()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        var corpus = TestData.Tokens(model, Text);
        var tooShort = Assert.Throws<CorpusTooShortException>(() => TestData.Train(model, corpus[..50], new TrainingOptions()));
        Assert.Equal(32 * 35 + 35 + 1, tooShort.Needed);
        Assert.Throws<ArgumentOutOfRangeException>(() => TestData.Train(model, corpus, new TrainingOptions { WeightDecay = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => TestData.Train(model, corpus, new TrainingOptions { ValidationFraction = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => TestData.Train(model, corpus, new TrainingOptions { LearningRate = double.NaN }));
        Assert.Throws<ArgumentOutOfRangeException>(() => TestData.Train(model, corpus, new TrainingOptions { GradientClip = double.PositiveInfinity }));
        Assert.Throws<ArgumentOutOfRangeException>(() => TestData.Train(model, corpus, new TrainingOptions { Epochs = 0 }));
        Assert.Equal(0, model.EpochsTrained);
    }

    [Fact]
    public void DivergenceStopsTrainingAndRestoresTheLastGoodWeights()
    {
        using var model = TestData.Model(Implementation.Scratch, Text);
        var corpus = TestData.Tokens(model, Text);
        TestData.Train(model, corpus, new TrainingOptions { Epochs = 1, BatchSize = 4, NumSteps = 8 }).ToList();
        var good = model.Network.parameters().Select(p => p.detach().clone()).ToList();
        var wild = new TrainingOptions { Epochs = 3, BatchSize = 4, NumSteps = 8, LearningRate = 1e38, GradientClip = 1e30 };
        var e = Assert.Throws<TrainingDivergedException>(() => TestData.Train(model, corpus, wild).ToList());
        Assert.Contains("Lower -LearningRate", e.Message);
        Assert.Equal(1, model.EpochsTrained);
        Assert.All(model.Network.parameters().Zip(good), pair => Assert.True(pair.First.allclose(pair.Second, rtol: 0, atol: 0)));
        Assert.True(double.IsFinite(Evaluation(model)));
    }

    [Fact]
    public void CancellingMidEpochPutsBackTheWeightsAndOptimizerStateOfTheLastCompletedEpoch()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        var corpus = TestData.Tokens(model, Text);
        var adam = new TrainingOptions { Epochs = 1, BatchSize = 4, NumSteps = 8, Optimizer = OptimizerKind.Adam, LearningRate = 0.01 };
        TestData.Train(model, corpus, adam).ToList();
        using var twin = TestData.Model(Implementation.Fused, Text);
        TestData.Train(twin, corpus, adam).ToList();

        // Epoch 2 completes; the cancel comes after the tenth minibatch of epoch 3.
        var fine = adam with { Epochs = 5, BatchSize = 1, NumSteps = 2 };
        List<TorchSharp.torch.Tensor> good = null!;
        using var stop = new CancellationTokenSource();
        using (var run = Trainer.Start(model, fine, corpus))
        {
            Assert.ThrowsAny<OperationCanceledException>(() =>
            {
                foreach (var _ in run.Epochs(stop.Token, batch => { if (batch is { Epoch: 3, Done: 10 }) stop.Cancel(); }))
                    good = model.Network.parameters().Select(p => p.detach().clone()).ToList();
            });
        }
        TestData.Train(twin, corpus, fine with { Epochs = 1 });

        Assert.Equal(2, model.EpochsTrained);
        Assert.All(model.Network.parameters().Zip(good), pair => Assert.True(pair.First.allclose(pair.Second, rtol: 0, atol: 0)));
        // Adam's moments went back too: the next epoch is the one a model never interrupted trains.
        var next = fine with { Epochs = 1 };
        Assert.Equal(TestData.Train(twin, corpus, next).Single().Perplexity, TestData.Train(model, corpus, next).Single().Perplexity);
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
        var corpus = TestData.Tokens(model, Text);
        var held = corpus.Length / 10;
        var (training, validation) = (corpus[..^held], corpus[^held..]);
        TestData.Train(model, training, options with { Epochs = 1 }, validation: validation).ToList(); // the optimizer's own state is created once
        var before = statistics.ThreadTotalLiveCount;
        TestData.Train(model, training, options, validation: validation).ToList();
        PSRnn.Engine.Evaluation.Evaluator.Perplexity(model, corpus);
        PSRnn.Engine.Evaluation.Evaluator.Trace(model, corpus[..20]);
        PSRnn.Engine.Evaluation.TextGenerator.Continue(model, corpus[..5], 10, new PSRnn.Engine.Evaluation.GenerationOptions(Temperature: 1));
        Assert.Equal(before, statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void AModelInUseRefusesASecondOperation()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        using var claim = model.Claim("a test");
        Assert.Throws<ModelBusyException>(() => TestData.Train(model, TestData.Tokens(model, Text), new TrainingOptions { BatchSize = 4, NumSteps = 5 }).First());
    }
}
