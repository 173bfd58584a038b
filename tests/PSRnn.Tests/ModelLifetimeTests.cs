using System.Runtime.CompilerServices;
using PSRnn.Engine.Models;
using PSRnn.Engine.Resources;
using PSRnn.Engine.Training;
using Xunit;

namespace PSRnn.Tests;

/// <summary>Who may use a model when (claims), disposal, freeing dropped models, and sizes refused before allocation.</summary>
public class ModelLifetimeTests
{
    private static readonly string Text = TestData.Text(3000);
    private static readonly TrainingOptions Small = new() { Epochs = 3, BatchSize = 4, NumSteps = 8 };

    [MethodImpl(MethodImplOptions.NoInlining)]

    [Fact]
    public void AModelNobodyRefersToIsFreedByTheCollector()
    {
        // The weights' wrappers stay reachable here; their models do not once the list lets go. TorchSharp
        // alone never frees a module from a finalizer, so before RnnModel's own finalizer every one stayed allocated.
        // The models are held until their weights are checked: a collection in between (each model asks
        // for one, through its memory pressure) would otherwise free some early.
        var models = Enumerable.Range(0, 20).Select(_ => TestData.Model(Implementation.Fused, Text)).ToList();
        var weights = models.SelectMany(m => m.Network.parameters()).ToList();
        Assert.Equal(20 * 6, weights.Count); // per model: the RNN layer's two matrices and two biases, the output layer's weight and bias
        Assert.All(weights, p => Assert.False(p.IsInvalid));
        models.Clear();
        // A collection finalizes what it finds unreachable; objects a finalizer still held wait for the next one.
        for (var pass = 0; pass < 5 && weights.Any(p => !p.IsInvalid); pass++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.All(weights, p => Assert.True(p.IsInvalid, "a dropped model's weights are freed"));
    }

    [Fact]
    public void BetweenEpochsTheRunsOwnThreadMayUseTheModelAndOtherThreadsMayNot()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        var tokens = TestData.Tokens(model, Text);
        using var run = Trainer.Start(model, Small, tokens);
        var seen = 0;
        foreach (var record in run.Epochs())
        {
            seen++;
            // The record's consumer, on the run's thread: evaluation, generation and export all work.
            Assert.Equal(record.Epoch, model.EpochsTrained);
            Assert.True(PSRnn.Engine.Evaluation.Evaluator.Perplexity(model, tokens).Perplexity > 1);
            Assert.Equal(5, PSRnn.Engine.Evaluation.TextGenerator.Continue(model, tokens[..3], 5, new()).Length);
            // Another thread is refused, and told what holds the model.
            var refused = Assert.Throws<ModelBusyException>(() => TestData.OnAnotherThread(() => PSRnn.Engine.Evaluation.Evaluator.Perplexity(model, tokens)));
            Assert.Contains($"training ({seen} of 3 epochs done) in another runspace", refused.Message);
            // A second run from inside the first is refused with the reason.
            var nested = Assert.Throws<ModelBusyException>(() => Trainer.Start(model, Small, tokens));
            Assert.Contains("earlier in this pipeline", nested.Message);
        }
        Assert.Equal(3, seen);
        run.Dispose();
        // Once the run is over, any thread may use the model.
        Assert.True(TestData.OnAnotherThread(() => PSRnn.Engine.Evaluation.Evaluator.Perplexity(model, tokens).Perplexity) > 1);
    }

    [Fact]
    public void AnOperationHoldsTheModelAloneEvenOnItsOwnThread()
    {
        using var model = TestData.Model(Implementation.Fused, Text);
        using (model.Claim("export"))
        {
            var inside = Assert.Throws<ModelBusyException>(() => model.Claim("evaluation"));
            Assert.Contains("in the middle of export", inside.Message);
            var other = Assert.Throws<ModelBusyException>(() => TestData.OnAnotherThread(() => model.Claim("evaluation")));
            Assert.Contains("in use by export in another runspace", other.Message);
        }
        model.Claim("evaluation").Dispose();
    }

    [Fact]
    public void ADisposedModelRefusesEveryUseAndSaysWhy()
    {
        var model = TestData.Model(Implementation.Fused, Text);
        var tokens = TestData.Tokens(model, Text);
        model.Dispose();
        Assert.True(model.IsDisposed);
        Assert.All(new Action[]
        {
            () => Trainer.Start(model, Small, tokens),
            () => PSRnn.Engine.Evaluation.Evaluator.Perplexity(model, tokens),
            () => PSRnn.Engine.Evaluation.TextGenerator.Continue(model, tokens[..2], 3, new()),
            () => PSRnn.Engine.Evaluation.Evaluator.Trace(model, tokens[..2]),
            () => PSRnn.Engine.Persistence.ModelFile.Save(model, Path.Combine(Path.GetTempPath(), $"psrnn-disposed-{Guid.NewGuid():N}.psrnn"), PSRnn.Engine.Persistence.WriteRule.CreateNew),
        }, use => Assert.Contains("was disposed", Assert.Throws<ModelDisposedException>(use).Message));
        // What needs no tensor still answers: a disposed model can be listed and described.
        Assert.Equal((16, 0), (model.HiddenSize, model.EpochsTrained));
        Assert.EndsWith("(disposed)", model.ToString());
        model.Dispose(); // twice is harmless
    }

    [Fact]
    public void DisposingAModelInUseFreesItWhenTheUseEnds()
    {
        var model = TestData.Model(Implementation.Fused, Text);
        var tokens = TestData.Tokens(model, Text);
        var weight = model.Network.parameters().First();
        using var run = Trainer.Start(model, Small, tokens);
        var epochs = new List<int>();
        var e = Assert.Throws<ModelDisposedException>(() =>
        {
            foreach (var record in run.Epochs())
            {
                epochs.Add(record.Epoch);
                model.Dispose(); // from the pipeline, between epochs: the run still holds the model
                Assert.False(weight.IsInvalid, "freed only when the run lets go");
            }
        });
        Assert.Equal(new[] { 1 }, epochs);
        Assert.Contains("training", e.Message);
        run.Dispose();
        Assert.True(weight.IsInvalid);
    }

    [Theory]
    [InlineData(CellType.Rnn, Implementation.Scratch, 1)]
    [InlineData(CellType.Gru, Implementation.Scratch, 3)]
    [InlineData(CellType.Lstm, Implementation.Scratch, 2)]
    [InlineData(CellType.Rnn, Implementation.Fused, 2)]
    [InlineData(CellType.Gru, Implementation.Fused, 1)]
    [InlineData(CellType.Lstm, Implementation.Fused, 3)]
    public void TheSpecsParameterCountIsTheNetworks(CellType cell, Implementation implementation, int layers)
    {
        var spec = new ModelSpec(cell, implementation, HiddenSize: 7, VocabularySize: 11, layers);
        using var network = NetworkFactory.Create(spec, seed: 1, TorchSharp.torch.CPU);
        Assert.Equal(network.parameters().Sum(p => p.numel()), spec.ParameterCount);
    }

    [Theory]
    [InlineData(100_000, 1)]
    [InlineData(8, int.MaxValue)]
    [InlineData(int.MaxValue, int.MaxValue)]
    public void AModelTooLargeForMemoryIsRefusedBeforeAnythingIsAllocated(int hidden, int layers)
    {
        var vocabulary = PSRnn.Engine.Text.Vocabulary.Build(new[] { "a", "b", "c" });
        var spec = new ModelSpec(CellType.Rnn, Implementation.Fused, hidden, vocabulary.Count, layers);
        var e = Assert.Throws<MemoryLimitException>(() => new RnnModel(spec, vocabulary, new(), seed: 1));
        Assert.True(e.Needed > e.Available);
        Assert.Contains("Lower -HiddenSize or -NumLayers", e.Message);
    }

    [Fact]
    public void ATrainingRunTooLargeForMemoryIsRefusedBeforeItStarts()
    {
        using var model = TestData.Model(Implementation.Fused, Text, hidden: 4096);
        var tokens = Enumerable.Repeat(1L, 20_000 * 80 + 81).ToArray();
        // The text holds a batch of 20,000 x 80 tokens, but the activations autograd keeps for it (about 50 GiB) fit no memory here.
        var e = Assert.Throws<MemoryLimitException>(() => Trainer.Start(model, Small with { BatchSize = 20_000, NumSteps = 80 }, tokens));
        Assert.True(e.Needed > e.Available && e.Needed < 1L << 40, $"a real estimate above what is available: {e.Needed} vs {e.Available}");
        Assert.Contains("Lower -BatchSize or -NumSteps", e.Message);
        // The refused run held nothing: training can start at once.
        TestData.Train(model, tokens[..400], Small with { Epochs = 1, BatchSize = 2 });
    }
}
