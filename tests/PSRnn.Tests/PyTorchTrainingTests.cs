using PSRnn.Engine.Data;
using PSRnn.Engine.IO;
using PSRnn.Engine.Models;
using PSRnn.Engine.Persistence;
using PSRnn.Engine.Text;
using PSRnn.Engine.Training;
using TorchSharp;
using Xunit;

namespace PSRnn.Tests;

/// <summary>
/// A training epoch against real PyTorch: from the same initial weights and over the same minibatches,
/// PSRnn's trainer and pytorch/examples' word_language_model loop (tests/PyTorch/train_side.py, on the
/// model of Export-RnnStateDict's help) end with the same weights. Data layout, the state carried and
/// detached across minibatches, the mean loss, global-norm clipping and the SGD step must all agree
/// for that; dropout is 0, since the two sides draw masks from different generators.
/// </summary>
public sealed class PyTorchTrainingTests : IDisposable
{
    private const int Hidden = 8, Batch = 3, Steps = 5;
    private readonly string folder = Directory.CreateTempSubdirectory("psrnn-torchtraining-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [PyTorchTheory]
    [InlineData(CellType.Lstm, 2, false)]
    [InlineData(CellType.Gru, 2, true)]
    [InlineData(CellType.Rnn, 1, false)]
    public void AnEpochEndsWithTheWeightsOfPyTorchExamplesLoop(CellType cell, int layers, bool tied)
    {
        var vocabulary = Vocabulary.FromList(Enumerable.Range(0, 14).Select(i => $"w{i}"));
        var spec = new ModelSpec(cell, Implementation.Fused, Hidden, vocabulary.Count, layers, EmbeddingSize: Hidden, TieWeights: tied);
        const long seed = 7;
        using var model = new RnnModel(spec, vocabulary, new TextOptions(), seed, ComputeDevice.Cpu, threads: 1);
        var random = new Random(11);
        var corpus = Enumerable.Range(0, Batch * Steps * 6 + 17).Select(_ => (long)random.Next(vocabulary.Count)).ToArray();
        var (initial, trained) = (Path.Combine(folder, "initial.pt"), Path.Combine(folder, "torch.pt"));
        StateDictFile.Save(model, initial, WriteRule.CreateNew);

        // pytorch/examples' rate and clip; the clip acts here, so a wrong norm or rate moves the weights.
        var options = new TrainingOptions { Epochs = 1, BatchSize = Batch, NumSteps = Steps, LearningRate = 20, GradientClip = 0.25 };
        var record = TestData.Train(model, corpus, options).Single();
        var offset = MinibatchSampler.SequentialOffset(Trainer.SamplerRandom(seed, epoch: 1), Steps);
        var minibatches = TorchSide.Train(cell.ToString(), vocabulary.Count, Hidden, layers, Hidden, tied, initial, trained,
            corpus, offset, Batch, Steps, options.LearningRate, options.GradientClip, folder);
        Assert.Equal(record.Tokens, (long)minibatches * Batch * Steps);
        Assert.True(minibatches >= 5, $"{minibatches} minibatches");

        using var reference = new RnnModel(spec, vocabulary, new TextOptions(), seed, ComputeDevice.Cpu, threads: 1);
        StateDictFile.Load(reference, trained);
        var theirs = reference.Network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var compared = 0;
        foreach (var (name, ours) in model.Network.named_parameters())
        {
            var difference = (ours - theirs[name]).abs().max().ToDouble();
            Assert.True(difference < 1e-5, $"{name}: largest difference {difference:G3} after {minibatches} minibatches");
            compared++;
        }
        Assert.Equal(4 * layers + (tied ? 2 : 3), compared);
    }
}
