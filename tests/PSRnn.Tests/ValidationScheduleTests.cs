using PSRnn.Engine.Evaluation;
using PSRnn.Engine.Models;
using PSRnn.Engine.Persistence;
using PSRnn.Engine.Training;
using Xunit;

namespace PSRnn.Tests;

/// <summary>Annealing, early stopping, the best model and batched validation (pytorch/examples' protocol).</summary>
public class ValidationScheduleTests
{
    private static readonly string Text = TestData.Text(3000);

    [Fact]
    public void OnAScriptedLossCurveTheRateDecaysAfterEachEpochThatDoesNotImproveAndPatienceStops()
    {
        var schedule = new ValidationSchedule(new TrainingOptions { LearningRate = 20, LearningRateDecay = 0.25, Patience = 2 });
        var losses = new[] { 5.0, 4.0, 4.5, 3.9, 3.9, 4.2, 3.0 };
        var rates = new List<double>();
        var verdicts = new List<Verdict>();
        for (var epoch = 1; epoch <= losses.Length && !schedule.Stopped; epoch++)
        {
            rates.Add(schedule.LearningRate);
            verdicts.Add(schedule.Judge(epoch, losses[epoch - 1]));
        }
        // Epoch 3 does not improve (rate / 4); 4 does; 5 only equals the best and 6 is worse: two in a row stop the run.
        Assert.Equal(new[] { 20, 20, 20, 5, 5, 1.25 }, rates);
        Assert.Equal(new[] { true, true, false, true, false, false }, verdicts.Select(v => v.Improved));
        Assert.Equal(new[] { 0, 0, 1, 0, 1, 2 }, verdicts.Select(v => v.EpochsWithoutImprovement));
        Assert.True(schedule.Stopped);
        Assert.Equal(4, schedule.BestEpoch);
        Assert.Contains("2 epoch(s) in a row", verdicts[^1].StopReason);
        Assert.Contains("after epoch 4", verdicts[^1].StopReason);
        Assert.All(verdicts.SkipLast(1), v => Assert.Null(v.StopReason));
    }

    [Fact]
    public void ANaNLossNeverImprovesAndForgetTakesBackTheLastJudgement()
    {
        var schedule = new ValidationSchedule(new TrainingOptions { LearningRate = 1, LearningRateDecay = 0.5 });
        Assert.False(schedule.Judge(1, double.NaN).Improved);
        Assert.Null(schedule.BestEpoch);
        Assert.True(schedule.Judge(2, 3.0).Improved);
        Assert.False(schedule.Judge(3, 3.5).Improved);
        Assert.Equal(0.25, schedule.LearningRate);
        schedule.Forget();
        Assert.Equal(0.5, schedule.LearningRate);
        Assert.Equal(2, schedule.BestEpoch);
    }

    [Fact]
    public void ValidationStreamsAreTheCorpusCutIntoEqualSegmentsEachMeasuredFromZeros()
    {
        using var model = TestData.Model(Implementation.Fused, Text, hidden: 12);
        var tokens = TestData.Tokens(model, Text)[..1003];
        double batched;
        using (var stream = TorchSharp.torch.tensor(tokens))
            batched = Evaluator.PerplexityOf(model.Network, stream, streams: 10).CrossEntropy;
        // 10 segments of 100 tokens (the last 3 are left out), each predicting 99 from its own start.
        var segments = Enumerable.Range(0, 10).Select(b => Evaluator.Perplexity(model, tokens[(b * 100)..((b + 1) * 100)]).CrossEntropy);
        Assert.Equal(segments.Average(), batched, precision: 6);
        Assert.NotEqual(Evaluator.Perplexity(model, tokens).CrossEntropy, batched, precision: 6);
    }

    [Fact]
    public void ATrainingRunsRecordsCarryTheRateEachEpochUsedAndPatienceEndsTheRun()
    {
        using var model = TestData.Model(Implementation.Fused, Text, hidden: 24);
        var corpus = TestData.Tokens(model, Text);
        // Validation on unrelated text gets worse as the model fits its own: the schedule must act.
        var unrelated = TestData.Tokens(model, TestData.Text(400, seed: 9));
        var options = new TrainingOptions { Epochs = 40, BatchSize = 4, NumSteps = 10, LearningRate = 2, LearningRateDecay = 0.5, Patience = 3 };
        var records = TestData.Train(model, corpus, options, validation: unrelated);

        Assert.True(records.Count < 40, "the run stops early");
        Assert.Equal(3, records[^1].EpochsWithoutImprovement);
        Assert.NotNull(records[^1].StopReason);
        var best = double.PositiveInfinity;
        var rate = options.LearningRate;
        foreach (var record in records)
        {
            Assert.Equal(rate, record.LearningRate);
            var improved = record.ValidationLoss < best;
            if (improved) best = record.ValidationLoss!.Value;
            else rate *= 0.5;
        }
        Assert.All(records.SkipLast(1), r => Assert.Null(r.StopReason));
    }

    [Fact]
    public void TheBestModelFileHoldsTheModelAsItWasAfterItsBestEpoch()
    {
        var folder = Directory.CreateTempSubdirectory("psrnn-best-").FullName;
        try
        {
            using var model = TestData.Model(Implementation.Scratch, Text, hidden: 24);
            var corpus = TestData.Tokens(model, Text);
            var validation = TestData.Tokens(model, TestData.Text(400, seed: 9));
            var path = Path.Combine(folder, "best.psrnn");
            var options = new TrainingOptions { Epochs = 12, BatchSize = 4, NumSteps = 10, LearningRate = 2, ValidationBatchSize = 1, BestModelPath = path };
            var records = TestData.Train(model, corpus, options, validation: validation);

            var best = records.MinBy(r => r.ValidationLoss)!;
            Assert.NotEqual(records[^1].Epoch, best.Epoch);   // the test means something only if the last epoch is not the best
            using var loaded = ModelFile.Load(path);
            Assert.Equal(best.Epoch, loaded.EpochsTrained);
            Assert.Equal(best.ValidationPerplexity!.Value, Evaluator.Perplexity(loaded, validation).Perplexity, precision: 9);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
